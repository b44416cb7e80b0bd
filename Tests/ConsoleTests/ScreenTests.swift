import Checkout
import FPSClient
import Foundation
import Testing
@testable import Console

/// Whole screens composed at the sizes the end-to-end tests use, checked for the words they grep.
@Suite struct ScreenTests {
    init() { #expect(utf8LocaleReady) }

    func screen(_ model: ConsoleModel, width: Int = 100, height: Int = 30) -> Canvas {
        ScreenComposer.compose(model: model, width: width, height: height, context: Fixture.context)
    }

    @Test(arguments: [(80, 24), (100, 30), (132, 43)])
    func everyRowFillsWidth(width: Int, height: Int) {
        var state = Fixture.state(.awaitingReturn, lines: [Fixture.widget, OrderLine(description: "東京 tea 😀", quantity: 1, unitPrice: Money(minorUnits: 450))], url: Fixture.url)
        state.notice = "URL signed; give it to the customer."
        let canvas = screen(Fixture.model(state), width: width, height: height)
        for y in 0..<height {
            #expect(TextWidth.width(of: canvas.rowText(y)) == width, "row \(y): \(canvas.rowText(y))")
        }
    }

    @Test func headerShowsPhaseAndBadge() {
        let canvas = screen(Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url)))
        let header = canvas.rowText(0)
        #expect(header.hasPrefix("fps-checkout"))
        #expect(header.contains("Order ORD-0001"))
        #expect(header.contains("Awaiting return URI"))
        #expect(header.trimmingCharacters(in: .whitespaces).hasSuffix("[SANDBOX]"))

        let live = screen(Fixture.model(Fixture.state(.succeeded, lines: [Fixture.widget], url: Fixture.url, isSandbox: false)))
        #expect(live.rowText(0).contains("Succeeded"))
        #expect(live.rowText(0).contains("[LIVE]"))
    }

    @Test func urlAppearsWholeAcrossRows() throws {
        let canvas = screen(Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url)))
        let layout = try #require(Layout.compute(width: 100, height: 30, urlWidth: Fixture.url.count))
        let rows = (layout.url.y + 1..<layout.url.maxY).map { canvas.rowText($0) }
        #expect(rows.joined().trimmingCharacters(in: .whitespaces) == Fixture.url)
        #expect(canvas.rowText(layout.url.y).contains("\(Fixture.url.count) characters"))
    }

    @Test func transactionStatusWordAndSymbol() {
        var state = Fixture.state(.succeeded, lines: [Fixture.widget], url: Fixture.url)
        state.transaction = TransactionView(transactionID: "TX-123", status: .success, statusCode: "Success",
                                            lastUpdate: Fixture.context.now, attempt: 2)
        state.tokenID = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        let text = screen(Fixture.model(state)).text
        #expect(text.contains("Status   ✓ Success"))
        #expect(text.contains("ID       TX-123"))
        // 1_700_000_000 is 2023-11-14 22:13:20 UTC.
        #expect(text.contains("Attempt  2  updated 22:13:20"))
        #expect(text.contains("Token    ABCD…[26 chars]"))
        #expect(!text.contains("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    }

    @Test func busyStepShowsSpinnerAndElapsed() {
        var state = Fixture.state(.paying, lines: [Fixture.widget], url: Fixture.url)
        state.busyStep = (name: "Pay", since: Fixture.context.now.addingTimeInterval(-2.45))
        let text = screen(Fixture.model(state)).text
        // 2.45 s is frame 24 of 10 frames: frame 4, and "2.4 s" after rounding down.
        #expect(text.contains("⠼ Pay 2.4 s"))
    }

    @Test func noticesAreMarkedInText() {
        var state = Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url)
        state.notice = "The return URI's signature does not verify."
        state.noticeIsProblem = true
        #expect(screen(Fixture.model(state)).text.contains("✗ The return URI's signature does not verify."))
        state.notice = "Paid USD 25.00."
        state.noticeIsProblem = false
        #expect(screen(Fixture.model(state)).text.contains("✓ Paid USD 25.00."))
    }

    @Test func disabledActionsShowReasons() {
        let state = Fixture.state(.assembling)
        let text = screen(Fixture.model(state)).text
        #expect(text.contains("Pay          Verify a return URI first."))
        #expect(text.contains("Build URL    Add at least one line first."))
    }

    @Test(arguments: [80, 100, 120]) func headerAlwaysShowsMode(width: Int) {
        let phases: [CheckoutPhase] = [.assembling, .awaitingReturn, .authorized, .reserved, .cancelled]
        for mode in ChargeMode.allCases {
            for phase in phases {
                let model = Fixture.model(Fixture.state(phase, mode: mode, lines: [Fixture.widget], url: Fixture.url))
                let header = screen(model, width: width, height: 30).rowText(0)
                #expect(header.contains(Words.mode(mode)), "\(phase) at \(width) columns: \(header)")
                #expect(header.contains(Words.phase(phase)), "\(phase) at \(width) columns: \(header)")
                #expect(header.contains("[SANDBOX]"))
            }
        }
    }

    @Test func actionReasonsFitAt100Columns() throws {
        let layout = try #require(Layout.compute(width: 100, height: 30))
        var states = [Fixture.state(), Fixture.state(lines: [Fixture.widget])]
        for phase in CheckoutPhase.allCases {
            for mode in ChargeMode.allCases {
                var state = Fixture.state(phase, mode: mode, lines: [Fixture.widget], url: Fixture.url)
                state.charged = phase == .succeeded ? Money(minorUnits: 2500) : nil
                state.transactionAction = .reserve
                states.append(state)
            }
        }
        var locked = Fixture.state(lines: [Fixture.widget])
        locked.isLocked = true
        states.append(locked)

        for state in states {
            let lines = ActionsPane.lines(model: Fixture.model(state), width: layout.actions.width,
                                          height: layout.actions.height - 1, context: Fixture.context)
            for line in lines {
                #expect(!line.plainText.contains("…"), "cut at 100 columns in \(state.phase): \(line.plainText)")
            }
        }
    }

    @Test func orderLinesAndTotal() {
        let text = screen(Fixture.model(Fixture.state(.assembling, lines: [Fixture.widget, Fixture.tea]))).text
        #expect(text.contains("Total USD 29.50"))
        #expect(text.contains("2 × 12.50      25.00"))
        #expect(text.contains("3 × 1.50       4.50"))
    }

    @Test func longReturnURIShowsLength() throws {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        model.returnURI = TextField(String(repeating: "x", count: 5000) + "status=SC")
        let text = screen(model).text
        let row = try #require(text.split(separator: "\n").first { $0.hasPrefix("Return URI ") })
        #expect(row.contains("…xxx"))
        #expect(row.contains("status=SC"))
        #expect(row.hasSuffix("5009 chars"))
    }

    @Test func tooSmallScreenSaysSizes() {
        let text = screen(Fixture.model(Fixture.state()), width: 60, height: 20).text
        #expect(text.contains("Terminal too small: 60x20."))
        #expect(text.contains("needs at least 80x24"))
    }

    @Test func helpOverlayListsKeys() {
        var model = Fixture.model(Fixture.state())
        model.overlay = .help(scroll: 0)
        let text = screen(model).text
        #expect(text.contains("Keys"))
        #expect(text.contains("Checkout screen"))
        #expect(text.contains("Next field"))
        // The keys for everywhere follow the screen's own, further down the list.
        let all = HelpOverlay.rows(model: model, width: 96).map(\.plainText).joined(separator: "\n")
        #expect(all.contains("Everywhere"))
        #expect(all.contains("F1 / ?"))
        #expect(!all.contains("Orders list\n"))
    }

    @Test func payConfirmationRestatesAmount() {
        var model = Fixture.model(Fixture.state(.authorized, lines: [Fixture.widget], url: Fixture.url))
        model.overlay = .confirmPay
        let canvas = screen(model)
        #expect(canvas.text.contains("Pay USD 25.00 on SANDBOX? (y/N)"))
        #expect(canvas.cursor == nil)
    }

    @Test func cursorSitsInFocusedField() throws {
        var model = Fixture.model(Fixture.state())
        _ = model.type("Tea")
        let canvas = screen(model)
        let layout = try #require(Layout.compute(width: 100, height: 30))
        // "Description " is 12 columns, then three typed characters.
        #expect(canvas.cursor == Point(x: 15, y: layout.order.y + 1))
    }

    @Test func hintBarShowsAllowedActionsOnly() throws {
        let canvas = screen(Fixture.model(Fixture.state(.assembling, lines: [Fixture.widget])))
        let hints = canvas.rowText(29)
        #expect(hints.hasPrefix(" F1 Help "))
        #expect(hints.contains("F2 URL"))
        #expect(!hints.contains("Pay"))
        #expect(hints.contains("F10 Quit"))
    }
}

import Checkout
import FPSClient
import Foundation
import Testing
@testable import Console

/// Keys of the orders list, refund and cancel, the lock, the QR view and the clipboard.
@Suite struct OrdersListModelTests {
    static func order(_ id: String, _ phase: CheckoutPhase = .reserved) -> OrderSummary {
        OrderSummary(orderID: id, phase: phase, mode: .reserveThenSettle, total: Money(minorUnits: 1000), created: Fixture.context.now,
                     updated: Fixture.context.now, desk: "desk-1", firstLineDescription: "Lamp", transactionID: nil, transactionStatus: nil)
    }

    func query(_ model: ConsoleModel, phases: Set<CheckoutPhase>? = nil, limit: Int = OrdersList.pageSize) -> OrdersQuery {
        OrdersQuery(phases: phases, search: nil, limit: limit, generation: model.orders.generation)
    }

    @Test func openingAsksForFirstPage() {
        var model = Fixture.model(Fixture.state())
        #expect(model.press([.function(11)]) == ["loadOrders(all||100)"])
        #expect(model.screen == .orders)
        #expect(model.press([.character("f")]) == ["loadOrders(reserved||100)"])
        #expect(model.press([.backTab]) == ["loadOrders(all||100)"])
        #expect(model.press([.backTab]) == ["loadOrders(cancelled||100)"])
    }

    @Test func enterOpensSelectedOrder() {
        var model = Fixture.model(Fixture.state())
        _ = model.press([.control("o")])
        model.ordersLoaded([Self.order("7"), Self.order("5")], for: query(model))
        #expect(model.press([.character("j"), .enter]) == ["open(5)"])
        #expect(model.screen == .checkout)
    }

    @Test func answerToOlderQueryIsDropped() {
        var model = Fixture.model(Fixture.state())
        _ = model.press([.function(11)])
        let first = query(model)
        model.ordersLoaded([Self.order("9", .assembling)], for: first)
        _ = model.press([.character("f")])
        // Rows of the previous filter are gone at once, not only when the answer arrives.
        #expect(model.orders.rows.isEmpty)
        model.ordersLoaded([Self.order("1", .failed)], for: first)
        #expect(model.orders.rows.isEmpty)
        #expect(model.orders.isLoading)
        model.ordersLoaded([Self.order("2")], for: query(model, phases: [.reserved]))
        #expect(model.orders.rows.map(\.orderID) == ["2"])
    }

    @Test func searchTypesAndQueriesEachChange() {
        var model = Fixture.model(Fixture.state())
        _ = model.press([.function(11), .character("/")])
        #expect(model.orders.isEditingSearch)
        // While searching, letters are typed, even those bound to keys such as `f` and `q`.
        #expect(model.type("fq") == ["loadOrders(all|f|100)", "loadOrders(all|fq|100)"])
        #expect(model.press([.escape]) == ["loadOrders(all||100)"])
        #expect(!model.orders.isEditingSearch)
        #expect(model.press([.escape]) == [])
        #expect(model.screen == .checkout)
    }

    @Test func movingNearEndLoadsNextPage() {
        var model = Fixture.model(Fixture.state())
        _ = model.press([.function(11)])
        model.ordersLoaded((0..<100).map { Self.order("\($0)") }, for: query(model))
        #expect(model.orders.hasMore)
        model.orders.pageRows = 20
        #expect(model.press([.pageDown, .pageDown]) == [])
        // Row 60 is within half a page of the 100 loaded, so 200 are asked for.
        #expect(model.press([.pageDown]) == ["loadOrders(all||200)"])
        #expect(model.orders.selected == 60)
        model.ordersLoaded((0..<150).map { Self.order("\($0)") }, for: query(model, limit: 200))
        #expect(!model.orders.hasMore)
        #expect(model.orders.selected == 60)
        #expect(model.press([.end]) == [])
        #expect(model.orders.selected == 149)
    }

    @Test func ageUnits() {
        let now = Fixture.context.now
        #expect(Age.text(from: now.addingTimeInterval(-59), to: now) == "59 s")
        #expect(Age.text(from: now.addingTimeInterval(-180), to: now) == "3 min")
        #expect(Age.text(from: now.addingTimeInterval(-7_200), to: now) == "2 h")
        #expect(Age.text(from: now.addingTimeInterval(-3 * 86_400), to: now) == "3 d")
        #expect(Age.text(from: now.addingTimeInterval(5), to: now) == "0 s")
    }
}

@Suite struct RefundCancelModelTests {
    static func paid(charged: Int64 = 2950) -> CheckoutState {
        var state = Fixture.state(.succeeded, lines: [Fixture.widget, Fixture.tea], url: Fixture.url)
        state.charged = Money(minorUnits: charged)
        return state
    }

    @Test func partialRefundAsksThenSends() {
        var model = Fixture.model(Self.paid())
        _ = model.press([.control("f")])
        _ = model.type("5.00")
        #expect(model.press([.enter]) == [])
        #expect(model.overlay == .confirmRefund(amount: "5.00"))
        #expect(model.press([.character("y")]) == ["refund(5.00)"])
    }

    @Test func refundAboveRefundableIsRefused() {
        var model = Fixture.model(Self.paid())
        _ = model.press([.control("f")])
        _ = model.type("30.00")
        _ = model.press([.enter])
        guard case .refundAmount(_, let problem) = model.overlay else {
            Issue.record("the amount prompt closed on an amount above the charge")
            return
        }
        #expect(problem == "USD 30.00 is more than the USD 29.50 that can still be refunded.")
    }

    @Test func emptyRefundMeansAllLeftAndEnterIsNo() {
        var model = Fixture.model(Self.paid())
        #expect(model.press([.control("f"), .enter, .enter]) == [])
        #expect(model.localNotice?.text == "Refund cancelled; nothing was returned.")
        #expect(model.press([.control("f"), .enter, .character("y")]) == ["refund(full)"])
    }

    @Test func cancelReserveOnlyWithY() {
        let reserved = Fixture.state(.reserved, mode: .reserveThenSettle, lines: [Fixture.widget], url: Fixture.url)
        var model = Fixture.model(reserved)
        #expect(model.press([.character("d"), .character("n")]) == [])
        #expect(model.press([.control("k"), .character("y")]) == ["cancel"])
    }

    @Test func refundNotOfferedBeforePayment() {
        var model = Fixture.model(Fixture.state(.reserved, mode: .reserveThenSettle, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.press([.control("f")]) == [])
        #expect(model.overlay == nil)
        #expect(model.localNotice?.isProblem == true)
    }
}

@Suite struct LockModelTests {
    @Test func idleLockAfterConfiguredMinutes() {
        let start = Fixture.context.now
        var model = ConsoleModel(state: Fixture.state(.assembling, lines: [Fixture.widget]), canPlayCustomer: true, now: start)
        #expect(model.idleLockDeadline(minutes: 5) == start.addingTimeInterval(300))
        #expect(describe(model.lockIfIdle(now: start.addingTimeInterval(299), minutes: 5)) == [])
        _ = model.handle(.character("a"), now: start.addingTimeInterval(200))
        #expect(describe(model.lockIfIdle(now: start.addingTimeInterval(301), minutes: 5)) == [])
        #expect(describe(model.lockIfIdle(now: start.addingTimeInterval(500), minutes: 5)) == ["lock"])
        #expect(model.isLocked)
        #expect(model.idleLockDeadline(minutes: 5) == nil)
    }

    @Test func zeroMinutesTurnsIdleLockOff() {
        var model = Fixture.model(Fixture.state())
        #expect(model.idleLockDeadline(minutes: 0) == nil)
        #expect(describe(model.lockIfIdle(now: Date.distantFuture, minutes: 0)) == [])
    }

    @Test func lockedKeepsOrderAndUnlocksOnEnter() {
        var model = Fixture.model(Fixture.state(.authorized, lines: [Fixture.widget], url: Fixture.url))
        _ = model.press([.character("p")])
        #expect(model.overlay == .confirmPay)
        #expect(model.press([.control("x")]) == ["lock"])
        // Keys do nothing while locked: no pay, no typing, no quit.
        #expect(model.press([.function(5), .character("y"), .function(10)]) == [])
        #expect(describe(model.interrupt()) == [])
        #expect(model.press([.enter]) == ["unlock(ann)"])
        #expect(!model.isLocked)
        // The dialog waited behind the lock, unanswered.
        #expect(model.overlay == .confirmPay)
        #expect(model.state.lines == [Fixture.widget])
        #expect(model.press([.escape, .character("l")]) == ["lock"])
    }

    @Test func lockScreenHidesOrder() {
        var model = Fixture.model(Fixture.state(.reserved, mode: .reserveThenSettle, lines: [Fixture.widget], url: Fixture.url))
        _ = model.press([.control("x")])
        let text = ScreenComposer.compose(model: model, width: 100, height: 30, context: Fixture.context).text
        #expect(text.contains("[LOCKED]"))
        #expect(text.contains("Press Enter to unlock as clerk ann."))
        #expect(!text.contains("ORD-0001"))
        #expect(!text.contains("Widget"))
        #expect(!text.contains("12.50"))
        #expect(!text.contains("cobranded-ui"))
    }
}

@Suite struct TypeAheadTests {
    @Test func buildURLRightAfterEnterGoesToCheckout() {
        // The line is not in the state yet, but the checkout runs intents in order.
        var model = Fixture.model(Fixture.state())
        _ = model.type("Mug")
        _ = model.press([.enter])
        _ = model.type("2")
        _ = model.press([.enter])
        _ = model.type("3.00")
        #expect(model.press([.enter, .function(2)]) == ["addLine(Mug|2|3.00)", "buildURL"])
    }

    @Test func buildURLWithoutLinesIsRefusedHere() {
        var model = Fixture.model(Fixture.state())
        #expect(model.press([.function(2)]) == [])
        #expect(model.localNotice?.text == "Add at least one line first.")
    }
}

@Suite struct TooSmallModelTests {
    @Test func typingContinuesWhileTooSmall() {
        var model = Fixture.model(Fixture.state())
        model.isScreenTooSmall = true
        _ = model.type("Lamp")
        #expect(model.description.text == "Lamp")
        #expect(model.press([.function(10), .character("y")]) == ["quit"])
    }

    @Test func moneyNotConfirmedBlind() {
        var model = Fixture.model(Fixture.state(.authorized, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.press([.function(5)]) == [])
        model.isScreenTooSmall = true
        #expect(model.press([.character("y")]) == [])
        #expect(model.overlay == .confirmPay)
        #expect(model.localNotice?.text == "Enlarge the window to see the amount before confirming.")
        model.isScreenTooSmall = false
        #expect(model.press([.character("y")]) == ["pay"])
    }
}

@Suite struct ClipboardAndQRTests {
    init() { #expect(utf8LocaleReady) }

    @Test func osc52Sequence() {
        // "hi" is "aGk=" in base64.
        #expect(Clipboard.osc52Sequence(for: "hi") == "\u{1b}]52;c;aGk=\u{07}")
    }

    @Test func copyKeySendsURLAndSaysHow() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.press([.function(12)]) == ["copy(\(Fixture.url.count))"])
        #expect(model.localNotice?.text == "Copied to the clipboard (OSC 52; your terminal must allow it).")
        var empty = Fixture.model(Fixture.state())
        #expect(empty.press([.control("y")]) == [])
        #expect(empty.localNotice?.isProblem == true)
    }

    @Test func shortTextIsVersionOne() throws {
        // Version 1 is 21 modules; the finder patterns put dark modules in three corners.
        let symbol = try #require(QRSymbol.encode("HELLO"))
        #expect(symbol.size == 21)
        #expect(symbol.modules[0])
        #expect(symbol.modules[20])
        #expect(symbol.modules[20 * 21])
        #expect(!symbol.modules[20 * 21 + 20])
        #expect(symbol.drawnWidth == 25)
        #expect(symbol.drawnHeight == 13)
        let rows = symbol.halfBlockRows()
        #expect(rows.count == 13)
        #expect(rows.allSatisfy { $0.count == 25 })
        // The quiet zone: the first text row contains module rows 0 and 1, both light.
        #expect(rows[0] == String(repeating: " ", count: 25))
        #expect(rows[1].hasPrefix("  █▀▀▀▀▀█"))
    }

    @Test func tooSmallMessageComesFromSymbolSize() throws {
        let symbol = try #require(QRSymbol.encode(Fixture.url))
        let message = QRView.tooSmallMessage(symbol: symbol, width: 80, height: 24)
        #expect(message[0] == "The QR code needs a window of at least 80x\(symbol.drawnHeight + 1); this one is 80x24.")
        #expect(message[1].contains("\(symbol.size)x\(symbol.size) symbol"))
    }

    @Test func sandboxLengthURLFits120x40() throws {
        // The embedded sandbox signs URLs of about 430 characters.
        let url = Fixture.url + "&paymentReason=Phone%20order%201&reserve=True&version=2009-01-09&padding=" + String(repeating: "x", count: 40)
        #expect(url.count >= 430)
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: url))
        _ = model.press([.control("e")])
        let text = ScreenComposer.compose(model: model, width: 120, height: 40, context: Fixture.context).text
        #expect(text.contains("█▀▀▀▀▀█"))
        #expect(text.contains("Scan to pay"))
        #expect(!text.contains("needs a window"))
    }

    @Test func qrViewClosesWhenCustomerAnswers() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        _ = model.press([.control("e")])
        #expect(model.overlay == .qrCode)
        model.apply(Fixture.state(.authorized, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.overlay == nil)
    }
}

@Suite struct ThemeCycleTests {
    @Test func stepsThroughShippedThemes() {
        var cycle = ThemeCycle(currentName: "default", directories: [ThemeTests.themesDirectory], colorsOffReason: nil)
        var names: [String] = []
        for _ in 0..<4 {
            guard case .switched(let selection) = cycle.next() else {
                Issue.record("colours were off")
                return
            }
            #expect(selection.problems.isEmpty)
            names.append(selection.theme.name)
        }
        #expect(names == ["light", "high-contrast", "monochrome", "default"])
    }

    @Test func colorsOffKeepsMonochrome() {
        var cycle = ThemeCycle(currentName: "monochrome", directories: [], colorsOffReason: "NO_COLOR is set.")
        guard case .colorsOff(let reason) = cycle.next() else {
            Issue.record("a theme was switched under NO_COLOR")
            return
        }
        #expect(reason == "NO_COLOR is set.")
    }
}

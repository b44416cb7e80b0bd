import Checkout
import FPSClient
import Foundation
import Testing
@testable import Console

/// Whole screens compared with the expected text in `Screens/<name>-<width>x<height>.txt`.
///
/// To regenerate after an intended change, run the tests with `UPDATE_SCREENS=1`; the files
/// are rewritten in the source tree (not the build folder). Read every changed file before
/// committing it: a snapshot is only as right as the review it had.
@Suite struct ScreenSnapshotTests {
    init() { #expect(utf8LocaleReady) }

    static let sizes = [(80, 24), (120, 40)]

    @Test(arguments: sizes) func emptyOrder(width: Int, height: Int) throws {
        try check("empty-order", Fixture.model(Fixture.state()), width: width, height: height)
    }

    @Test(arguments: sizes) func urlShown(width: Int, height: Int) throws {
        var state = Fixture.state(.awaitingReturn, lines: [Fixture.widget, Fixture.tea], url: Fixture.url)
        state.notice = "URL signed. Give it to the customer, then paste the return URI."
        try check("url-shown", Fixture.model(state), width: width, height: height)
    }

    @Test(arguments: sizes) func returnPasted(width: Int, height: Int) throws {
        let state = Fixture.state(.awaitingReturn, lines: [Fixture.widget, Fixture.tea], url: Fixture.url)
        var model = Fixture.model(state)
        _ = model.press([.pasteBegin] + Fixture.returnURI.map { Key.character($0) } + [.pasteEnd])
        try check("return-pasted", model, width: width, height: height)
    }

    @Test(arguments: sizes) func pending(width: Int, height: Int) throws {
        var state = Fixture.state(.pending, lines: [Fixture.widget, Fixture.tea], url: Fixture.url)
        state.tokenID = "T7QXKZ2M9PLR4VBN8HDS3JFW6"
        state.transaction = TransactionView(transactionID: "15SFHU9G1OIP2MM7GM5CK3Q8TZ6LMCEEK5E", status: .pending,
                                            statusCode: "PendingNetworkResponse", lastUpdate: Fixture.context.now.addingTimeInterval(-3))
        state.transactionAction = .pay
        state.busyStep = (name: "Waiting for status", since: Fixture.context.now.addingTimeInterval(-3.25))
        state.events = Fixture.events
        try check("pending", Fixture.model(state), width: width, height: height)
    }

    @Test(arguments: sizes) func succeeded(width: Int, height: Int) throws {
        var state = Fixture.state(.succeeded, lines: [Fixture.widget, Fixture.tea], url: Fixture.url)
        state.tokenID = "T7QXKZ2M9PLR4VBN8HDS3JFW6"
        state.transaction = TransactionView(transactionID: "15SFHU9G1OIP2MM7GM5CK3Q8TZ6LMCEEK5E", status: .success,
                                            statusCode: "Success", lastUpdate: Fixture.context.now, attempt: 1)
        state.transactionAction = .pay
        state.charged = Money(minorUnits: 2950)
        state.notice = "Paid USD 29.50."
        state.events = Fixture.events
        try check("succeeded", Fixture.model(state), width: width, height: height)
    }

    @Test(arguments: sizes) func failed(width: Int, height: Int) throws {
        var state = Fixture.state(.failed, lines: [Fixture.widget, Fixture.tea], url: Fixture.url)
        state.tokenID = "T7QXKZ2M9PLR4VBN8HDS3JFW6"
        state.transaction = TransactionView(transactionID: "15SFHU9G1OIP2MM7GM5CK3Q8TZ6LMCEEK5E", status: .failure,
                                            statusCode: "PaymentMethodNotAllowed", lastUpdate: Fixture.context.now, attempt: 1)
        state.transactionAction = .pay
        state.notice = "The payment failed: PaymentMethodNotAllowed. Build a new URL so the customer can choose another card."
        state.noticeIsProblem = true
        state.events = Fixture.events
        try check("failed", Fixture.model(state), width: width, height: height)
    }

    @Test(arguments: sizes) func reservedList(width: Int, height: Int) throws {
        var model = Fixture.model(Fixture.state())
        _ = model.press([.function(11), .character("f")])
        #expect(model.orders.filter == .reserved)
        let query = OrdersQuery(phases: [.reserved], search: nil, limit: OrdersList.pageSize, generation: model.orders.generation)
        model.ordersLoaded(Fixture.reservedOrders, for: query)
        _ = model.press([.down])
        try check("reserved-list", model, width: width, height: height)
    }

    @Test(arguments: sizes) func helpOverlay(width: Int, height: Int) throws {
        var model = Fixture.model(Fixture.state(.reserved, mode: .reserveThenSettle, lines: [Fixture.widget], url: Fixture.url))
        _ = model.press([.function(1)])
        try check("help-overlay", model, width: width, height: height)
    }

    @Test(arguments: [(79, 24), (60, 15)]) func tooSmall(width: Int, height: Int) throws {
        let model = Fixture.model(Fixture.state(.assembling, lines: [Fixture.widget]))
        try check("too-small", model, width: width, height: height)
    }

    @Test(arguments: sizes) func lockScreen(width: Int, height: Int) throws {
        var model = Fixture.model(Fixture.state(.reserved, mode: .reserveThenSettle, lines: [Fixture.widget], url: Fixture.url))
        _ = model.press([.control("x")])
        try check("locked", model, width: width, height: height)
    }

    @Test(arguments: sizes) func qrCode(width: Int, height: Int) throws {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget, Fixture.tea], url: Fixture.url))
        _ = model.press([.control("e")])
        try check("qr-code", model, width: width, height: height)
    }

    @Test(arguments: sizes) func refundDialog(width: Int, height: Int) throws {
        var state = Fixture.state(.succeeded, lines: [Fixture.widget, Fixture.tea], url: Fixture.url)
        state.charged = Money(minorUnits: 2950)
        state.transaction = TransactionView(transactionID: "15SFHU9G1OIP2MM7GM5CK3Q8TZ6LMCEEK5E", status: .success,
                                            statusCode: "Success", lastUpdate: Fixture.context.now)
        var model = Fixture.model(state)
        _ = model.press([.control("f")])
        _ = model.type("5.00")
        try check("refund-dialog", model, width: width, height: height)
    }

    // MARK: - Comparison

    /// Composes the screen and compares it with the saved text, or saves it when
    /// UPDATE_SCREENS is set. A mismatch reports the rows that differ.
    private func check(_ name: String, _ model: ConsoleModel, width: Int, height: Int,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let actual = ScreenComposer.compose(model: model, width: width, height: height, context: Fixture.context).text + "\n"
        let fileName = "\(name)-\(width)x\(height).txt"
        if !(ProcessInfo.processInfo.environment["UPDATE_SCREENS"] ?? "").isEmpty {
            try actual.write(to: Self.sourceDirectory.appendingPathComponent(fileName), atomically: true, encoding: .utf8)
            return
        }
        guard let url = Bundle.module.url(forResource: fileName, withExtension: nil, subdirectory: "Screens") else {
            let message = "Screens/\(fileName) is missing; run with UPDATE_SCREENS=1, then read the new file before committing it."
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if actual != expected {
            let message = "Screen \(fileName) differs from the saved text:\n\(Self.diff(expected: expected, actual: actual))\n"
                + "If the change is intended, run with UPDATE_SCREENS=1 and review the file."
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }

    static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Screens")

    /// Lists the rows that differ, each as `-` expected and `+` actual with its row number.
    static func diff(expected: String, actual: String) -> String {
        let old = expected.components(separatedBy: "\n")
        let new = actual.components(separatedBy: "\n")
        var lines: [String] = []
        for row in 0..<max(old.count, new.count) {
            let before = row < old.count ? old[row] : "(no row)"
            let after = row < new.count ? new[row] : "(no row)"
            guard before != after else { continue }
            lines.append("row \(row):")
            lines.append("- \(before)")
            lines.append("+ \(after)")
        }
        return lines.joined(separator: "\n")
    }
}

@Suite struct SnapshotDiffTests {
    @Test func diffNamesChangedRowsOnly() {
        let diff = ScreenSnapshotTests.diff(expected: "a\nb\nc", actual: "a\nB\nc\nd")
        #expect(diff == "row 1:\n- b\n+ B\nrow 3:\n- (no row)\n+ d")
    }
}

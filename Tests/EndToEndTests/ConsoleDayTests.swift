import Foundation
import Testing

/// A clerk's day in the real `fps-checkout` binary in tmux: finding orders, settling,
/// refunding and cancelling, themes, NO_COLOR, resizing and quitting. Keystrokes only,
/// against the embedded sandbox and a fresh ledger per test.
@Suite(.serialized)
struct ConsoleDayTests {
    @Test func settleReservedOrderFoundInList() async throws {
        let console = try await ConsoleUnderTest.start()
        try await console.authorize(reserve: true, lines: [("Desk lamp", "1", "25.00"), ("Bulb", "4", "1.25")])
        try console.tmux.send("F6")
        try await console.tmux.waitFor(text: "Reserve USD 30.00 on SANDBOX? (y/N)")
        try console.tmux.send("y")
        try await console.tmux.waitFor(text: "◆ Reserved")

        // A new order takes the screen; the reserved one is found again through the list.
        try console.tmux.send("F9")
        let fresh = try await console.tmux.waitFor(text: "Entering order")
        #expect(fresh.contains("Entering order  │  Pay now"), "a new order must start in Pay now:\n\(fresh)")
        try console.tmux.send("F11")
        try await console.tmux.waitFor(text: "Filter [all]")
        try console.tmux.send("f")
        let list = try await console.tmux.waitFor("the reserved order in the list") {
            $0.contains("[reserved]") && $0.contains("◆ Reserved") && $0.contains("USD 30.00")
        }
        #expect(!list.contains("Entering"), "the reserved filter still lists the new order:\n\(list)")
        try console.tmux.send("Enter")
        try await console.tmux.waitFor("the reserved order on the checkout screen") {
            $0.contains("│  Reserved  │") && $0.contains("Total USD 30.00")
        }

        try console.tmux.send("F7")
        try await console.tmux.waitFor(text: "leave empty to settle the full USD 30.00")
        try console.tmux.send("Enter")
        try await console.tmux.waitFor(text: "Settle USD 30.00 on SANDBOX? (y/N)")
        try console.tmux.send("y")
        let settled = try await console.tmux.waitFor(text: "Settled USD 30.00")
        #expect(settled.contains("│  Succeeded  │"))
    }

    /// F8, Enter, F5 and y typed at once: Enter waits for the sandbox customer's return URI
    /// and verifies it, and F5 and y are discarded with a notice instead of confirming a Pay.
    @Test func typeAheadAfterPlayCustomer() async throws {
        let console = try await ConsoleUnderTest.start()
        try await console.enterLine("Mug", quantity: "1", price: "6.00")
        try console.tmux.send("F2")
        try await console.tmux.waitFor(text: "Awaiting return URI")
        try console.tmux.send("F8", "Enter", "F5", "y")
        let authorized = try await console.tmux.waitFor("the order authorized without a second Enter") {
            $0.contains("│  Authorized  │") && $0.contains("Ignored while waiting")
        }
        #expect(authorized.contains("Ignored while waiting: F5, y"), "the discarded keys are not named:\n\(authorized)")
        #expect(!authorized.contains("(y/N)"))
        #expect(try console.sandboxCount("SELECT count(*) FROM transactions") == 0)

        try console.tmux.send("F5")
        try await console.tmux.waitFor(text: "Pay USD 6.00 on SANDBOX? (y/N)")
        try console.tmux.send("y")
        try await console.tmux.waitFor(text: "Paid USD 6.00")
    }

    @Test func partialRefundOfPayment() async throws {
        let console = try await ConsoleUnderTest.start()
        try await console.authorize(reserve: false, lines: [("Blue mug", "2", "10.00")])
        try console.tmux.send("F5")
        try await console.tmux.waitFor(text: "Pay USD 20.00 on SANDBOX? (y/N)")
        try console.tmux.send("y")
        try await console.tmux.waitFor(text: "Paid USD 20.00")

        try console.tmux.send("C-f")
        try await console.tmux.waitFor(text: "USD 20.00 can still be refunded")
        try console.tmux.type("5.00")
        try console.tmux.send("Enter")
        let confirm = try await console.tmux.waitFor(text: "Refund USD 5.00 on SANDBOX? (y/N)")
        #expect(confirm.contains("Return USD 5.00 (partial amount) of order"))
        try console.tmux.send("y")
        let refunded = try await console.tmux.waitFor(text: "Refunded USD 5.00")
        #expect(refunded.contains("Charged  USD 20.00  refunded USD 5.00"))
        #expect(try console.sandboxCount("SELECT count(*) FROM transactions") == 2)
    }

    @Test func cancelReservation() async throws {
        let console = try await ConsoleUnderTest.start()
        try await console.authorize(reserve: true, lines: [("Chair", "1", "80.00")])
        try console.tmux.send("F6")
        try await console.tmux.waitFor(text: "(y/N)")
        try console.tmux.send("y")
        try await console.tmux.waitFor(text: "◆ Reserved")

        try console.tmux.send("C-k")
        let confirm = try await console.tmux.waitFor(text: "Cancel USD 80.00 on SANDBOX? (y/N)")
        #expect(confirm.contains("Cancel the reserve of USD 80.00 on order"))
        // Enter is No: nothing is sent.
        try console.tmux.send("Enter")
        try await console.tmux.waitFor(text: "Cancel not sent; the order is unchanged.")

        try console.tmux.send("C-k")
        try await console.tmux.waitFor(text: "(y/N)")
        try console.tmux.send("y")
        let cancelled = try await console.tmux.waitFor(text: "│  Cancelled  │")
        #expect(cancelled.contains("⊘ Cancelled"))
    }

    @Test func themeSwitchRecolours() async throws {
        let console = try await ConsoleUnderTest.start()
        let before = try console.screenWithEscapes()
        // Ctrl-P works while the description field has focus, where `t` would be typed.
        try console.tmux.send("C-p")
        try await console.tmux.waitFor(text: "Theme: light")
        let light = try console.screenWithEscapes()
        #expect(before != light)
        #expect(Self.sgrParameters(in: light).contains { $0.contains("48;5;25") },
                "the light theme's focus background (256-colour 25) is missing:\n\(light)")

        try console.tmux.send("C-p")
        try await console.tmux.waitFor(text: "Theme: high-contrast")
        try console.tmux.send("C-p")
        try await console.tmux.waitFor(text: "Theme: monochrome")
        #expect(Self.colourParameters(in: try console.screenWithEscapes()).isEmpty)
        try console.tmux.send("C-p")
        try await console.tmux.waitFor(text: "Theme: default")
    }

    @Test func noColorLeavesOnlyAttributes() async throws {
        let console = try await ConsoleUnderTest.start(environment: "NO_COLOR=1")
        try await console.enterLine("Notebook", quantity: "2", price: "3.10")
        try console.tmux.send("F2")
        try await console.tmux.waitFor(text: "Awaiting return URI")
        let screen = try console.screenWithEscapes()
        #expect(!Self.sgrParameters(in: screen).isEmpty, "no escapes at all; capture-pane -e did not run as expected")
        #expect(Self.colourParameters(in: screen).isEmpty, "colour escapes under NO_COLOR: \(Self.colourParameters(in: screen))")

        try console.tmux.send("C-p")
        try await console.tmux.waitFor(text: "Colours are off because NO_COLOR is set")
        #expect(Self.colourParameters(in: try console.screenWithEscapes()).isEmpty)
    }

    @Test func resizeKeepsOrder() async throws {
        let console = try await ConsoleUnderTest.start(width: 120, height: 40)
        try await console.enterLine("Desk lamp", quantity: "1", price: "25.00")
        try console.tmux.type("Half-typed")

        try console.tmux.resize(width: 60, height: 15)
        let small = try await console.tmux.waitFor(text: "Terminal too small: 60x15.")
        #expect(small.contains("needs at least 80x24"))
        // A storm of sizes, as a window manager sends while the clerk drags the corner.
        for (width, height) in [(70, 20), (90, 30), (61, 16), (100, 35)] {
            try console.tmux.resize(width: width, height: height)
        }
        try console.tmux.resize(width: 120, height: 40)
        let restored = try await console.tmux.waitFor(text: "Total USD 25.00")
        #expect(restored.contains("1.  Desk lamp"))
        #expect(restored.contains("Description Half-typed"))
        #expect(try console.tmux.isRunning())
    }

    @Test func quitAsksWhileOrderOpen() async throws {
        let console = try await ConsoleUnderTest.start()
        try await console.enterLine("Tea", quantity: "1", price: "4.50")

        try console.tmux.send("F10")
        try await console.tmux.waitFor(text: "Quit fps-checkout? (y/N)")
        try console.tmux.send("n")
        try await console.tmux.waitFor("the quit dialog to close") { !$0.contains("(y/N)") }
        #expect(try console.tmux.isRunning())

        // Ctrl-C is trapped and opens the same question.
        try console.tmux.send("C-c")
        try await console.tmux.waitFor(text: "Quit fps-checkout? (y/N)")
        try console.tmux.send("y")
        let deadline = Date().addingTimeInterval(10)
        while try console.tmux.isRunning(), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try !console.tmux.isRunning())
    }

    /// The README's count: a two-line Pay takes 11 keys besides the typed description,
    /// quantity and price characters. Waits between keys let the checkout catch up; they
    /// are not keys.
    @Test func twoLinePayInElevenKeys() async throws {
        let console = try await ConsoleUnderTest.start()
        var keys: [String] = []
        func press(_ key: String) throws {
            keys.append(key)
            try console.tmux.send(key)
        }

        for (description, quantity, price) in [("Mug", "2", "3.00"), ("Tea", "1", "1.50")] {
            try console.tmux.type(description)
            try press("Enter")
            try console.tmux.type(quantity)
            try press("Enter")
            try console.tmux.type(price)
            try press("Enter")
            try await console.tmux.waitFor(text: "\(description) ")
        }
        try await console.tmux.waitFor(text: "Total USD 7.50")
        try press("F2")
        try await console.tmux.waitFor(text: "Awaiting return URI")
        try press("F8")
        try await console.tmux.waitFor(text: "The sandbox customer approved")
        try press("Enter")
        try await console.tmux.waitFor(text: "Press Pay to charge")
        try press("Enter")
        try await console.tmux.waitFor(text: "Pay USD 7.50 on SANDBOX? (y/N)")
        try press("y")
        try await console.tmux.waitFor(text: "Paid USD 7.50")
        #expect(keys == ["Enter", "Enter", "Enter", "Enter", "Enter", "Enter", "F2", "F8", "Enter", "Enter", "y"])
    }

    // MARK: - Helpers

    /// Returns the parameter strings of every SGR sequence (`ESC [ ... m`) in `text`.
    static func sgrParameters(in text: String) -> [String] {
        let expression = try! NSRegularExpression(pattern: "\u{1b}\\[([0-9;:]*)m")
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// SGR parameters that set a colour: 30-38, 40-48, 90-97 and 100-107. Resets to the
    /// default colours (39, 49) and attributes such as bold or reverse are not colours.
    static func colourParameters(in text: String) -> [String] {
        sgrParameters(in: text).filter { parameters in
            let values = parameters.split(whereSeparator: { $0 == ";" || $0 == ":" }).compactMap { Int($0) }
            return values.contains { (30...38).contains($0) || (40...48).contains($0) || (90...97).contains($0) || (100...107).contains($0) }
        }
    }
}

extension ConsoleUnderTest {
    /// Enters `lines`, picks the charge mode, builds the URL and lets the sandbox customer
    /// approve it, ending with an authorized order.
    func authorize(reserve: Bool, lines: [(String, String, String)]) async throws {
        for (description, quantity, price) in lines {
            try await enterLine(description, quantity: quantity, price: price)
        }
        if reserve {
            try tmux.send("F4")
            try await tmux.waitFor(text: "Reserve, settle later")
        }
        try tmux.send("F2")
        try await tmux.waitFor(text: "Awaiting return URI")
        try tmux.send("F8")
        try await tmux.waitFor(text: "The sandbox customer approved")
        try tmux.send("Enter")
        try await tmux.waitFor("the authorized order") { $0.contains("Authorized") && $0.contains("Return URI verified") }
    }
}

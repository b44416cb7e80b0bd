import FPSClient
import Foundation
import Testing

/// End-to-end runs of the real `fps-checkout` binary in tmux at 100x30, driven by keystrokes
/// only, against the embedded sandbox and a fresh ledger file per test.
@Suite(.serialized)
struct CheckoutEndToEndTests {
    @Test func payTwoLineOrder() async throws {
        let console = try await ConsoleUnderTest.start()
        try await console.authorize(reserve: false, lines: [("Blue mug", "3", "19.99"), ("Green tea 日本", "2", "4.50")])
        try await console.tmux.waitFor(text: "Total USD 68.97")

        try console.tmux.send("F5")
        try await console.tmux.waitFor(text: "Pay USD 68.97 on SANDBOX? (y/N)")
        try console.tmux.send("y")
        let screen = try await console.tmux.waitFor(text: "Succeeded")
        #expect(screen.contains("✓ Success"))
        #expect(screen.contains("Paid USD 68.97"))
        #expect(try console.sandboxCount("SELECT count(*) FROM transactions") == 1)
    }

    @Test func reserveThenSettle() async throws {
        let console = try await ConsoleUnderTest.start()
        try await console.authorize(reserve: true, lines: [("Desk lamp", "1", "25.00"), ("Bulb", "4", "1.25")])

        try console.tmux.send("F6")
        try await console.tmux.waitFor(text: "(y/N)")
        try console.tmux.send("y")
        let reserved = try await console.tmux.waitFor(text: "◆ Reserved")
        #expect(reserved.contains("│  Reserved  │"))

        try console.tmux.send("F7")
        try await console.tmux.waitFor(text: "leave empty to settle the full USD 30.00")
        try console.tmux.send("Enter")
        try await console.tmux.waitFor(text: "Settle USD 30.00 on SANDBOX? (y/N)")
        try console.tmux.send("y")
        let settled = try await console.tmux.waitFor(text: "Succeeded")
        #expect(settled.contains("✓ Success"))
        #expect(settled.contains("Settled USD 30.00"))
    }

    /// The clerk's real path: the customer's browser loads the URL shown on screen and posts
    /// the approval form; the clerk pastes the address the browser ended on. A tampered copy
    /// is refused first, with no API call sent.
    @Test func browserReturnPastedAndTamperedRefused() async throws {
        let console = try await ConsoleUnderTest.start()
        try await console.enterLine("Notebook", quantity: "2", price: "3.10")
        try console.tmux.send("F2")
        let screen = try await console.tmux.waitFor(text: "Awaiting return URI")
        let url = try #require(ConsoleUnderTest.cbuiURL(onScreen: screen), "no CBUI URL on screen:\n\(screen)")
        #expect(url.contains("transactionAmount=6.20"))
        // A base64 HMAC-SHA256 always ends in one `=`, so a whole URL ends in `%3D`.
        #expect(url.hasSuffix("%3D"), "the URL read off the screen is cut short: \(url)")

        let returnURI = try await Browser.approve(cbuiURL: url)
        #expect(returnURI.hasPrefix("http://127.0.0.1/fps-checkout/return?"))

        // One character of tokenID changed: the signature no longer matches.
        let tampered = try #require(Browser.tamperTokenID(returnURI))
        try console.tmux.paste(tampered)
        try console.tmux.send("Enter")
        let refused = try await console.tmux.waitFor(text: "signature does not match")
        #expect(refused.contains("Awaiting return URI"))
        #expect(!refused.contains("→ Pay"))
        #expect(try console.sandboxCount("SELECT count(*) FROM transactions") == 0)

        // The genuine URI, pasted over the refused one, goes through.
        try console.tmux.send("Escape")
        try console.tmux.paste(returnURI)
        try console.tmux.send("Enter")
        try await console.tmux.waitFor(text: "Authorized")
        try console.tmux.send("F5")
        try await console.tmux.waitFor(text: "(y/N)")
        try console.tmux.send("y")
        try await console.tmux.waitFor(text: "Paid USD 6.20")
        #expect(try console.sandboxCount("SELECT count(*) FROM transactions") == 1)
    }
}

import Checkout
import Testing
@testable import Console

@Suite struct KeyTableTests {
    @Test func everyFunctionKeyHasATwin() {
        for binding in KeyTable.bindings where binding.keys.contains(where: { if case .function = $0 { true } else { false } }) {
            let twins = binding.keys.filter { if case .function = $0 { false } else { true } }
            #expect(!twins.isEmpty, "\(binding.label) has only F-keys")
        }
    }

    @Test(arguments: [KeyScope.checkout, .orders])
    func noKeyIsBoundTwiceOnAScreen(scope: KeyScope) {
        // A screen's rows and the rows for everywhere must not share a key, or one would shadow the other.
        var seen: [Key: String] = [:]
        for binding in KeyTable.rows(for: scope) {
            for key in binding.keys {
                #expect(seen[key] == nil, "\(key.displayName) is bound to \(seen[key] ?? "") and \(binding.label)")
                seen[key] = binding.label
            }
        }
    }

    @Test func everyTextFieldActionHasANonTypingKey() {
        // Each row of the checkout screen and of everywhere must be reachable while a text
        // field has focus, so not only by letters. The orders list has no field besides the
        // search, which `/` opens and Esc closes.
        for binding in KeyTable.bindings where binding.scope != .orders {
            #expect(binding.keys.contains { !$0.typesText }, "\(binding.label) works only outside text fields")
        }
    }

    @Test func lettersTypeInTextFields() {
        #expect(KeyTable.command(for: .character("p"), scope: .checkout, focusIsTextField: true) == nil)
        #expect(KeyTable.command(for: .character("p"), scope: .checkout, focusIsTextField: false) == .pay)
        #expect(KeyTable.command(for: .character("?"), scope: .checkout, focusIsTextField: true) == nil)
        #expect(KeyTable.command(for: .function(5), scope: .checkout, focusIsTextField: true) == .pay)
        #expect(KeyTable.command(for: .control("u"), scope: .checkout, focusIsTextField: true) == .buildURL)
        #expect(KeyTable.command(for: .character("z"), scope: .checkout, focusIsTextField: false) == nil)
    }

    @Test func screenRowsWinOverEverywhere() {
        #expect(KeyTable.command(for: .character("f"), scope: .checkout, focusIsTextField: false) == .refund)
        #expect(KeyTable.command(for: .character("f"), scope: .orders, focusIsTextField: false) == .cycleFilter)
        #expect(KeyTable.command(for: .function(11), scope: .orders, focusIsTextField: true) == .showOrders)
        #expect(KeyTable.command(for: .function(5), scope: .orders, focusIsTextField: false) == nil)
        #expect(KeyTable.command(for: .escape, scope: .orders, focusIsTextField: true) == .cancel)
    }

    @Test func markdownListsEveryRow() {
        let markdown = ConsoleApp.keyTableMarkdown()
        let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| `") }
        #expect(markdown.hasPrefix("**Checkout screen**\n\n| Keys | Action | What it does |\n|---|---|---|\n"))
        #expect(markdown.contains("**Orders list**\n\n| Keys |"))
        #expect(markdown.contains("**Everywhere**\n\n| Keys |"))
        #expect(rows.count == KeyTable.bindings.count)
        #expect(markdown.contains("| `F5`, `p` | Pay | "))
        #expect(markdown.contains("| `F10`, `q`, `Ctrl-C` | Quit | "))
        #expect(markdown.contains("| `F11`, `Ctrl-O`, `o` | Orders list | "))
        #expect(markdown.contains("| `F12`, `Ctrl-Y`, `c` | Copy URL | "))
    }

    @Test func playCustomerNeedsSandboxClosureAndURL() {
        let awaiting = Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url)
        #expect(KeyTable.availability(of: .playCustomer, state: awaiting, canPlayCustomer: true).allowed)
        #expect(!KeyTable.availability(of: .playCustomer, state: awaiting, canPlayCustomer: false).allowed)
        let assembling = Fixture.state(.assembling, lines: [Fixture.widget])
        #expect(!KeyTable.availability(of: .playCustomer, state: assembling, canPlayCustomer: true).allowed)
    }

    @Test func checkoutActionsUseStateAvailability() {
        let state = Fixture.state(.assembling)
        let availability = KeyTable.availability(of: .buildURL, state: state, canPlayCustomer: true)
        #expect(availability == CommandAvailability(allowed: false, reason: state.availability(of: .buildURL).reason))
    }

    @Test(arguments: [(Int32(0), UInt32(97), Key.character("a")), (0, 21, .control("u")), (0, 13, .enter), (0, 27, .escape),
                      (0, 127, .backspace), (0, 0x6771, .character("東"))])
    func decodesCharacters(status: Int32, value: UInt32, key: Key) {
        #expect(Key.decode(status: status, value: value) == key)
    }
}

import Checkout

/// A console command that a key triggers.
public enum ConsoleCommand: String, Sendable, CaseIterable {
    case help, nextField, previousField, submit, moveUp, moveDown
    case buildURL, removeLastLine, toggleMode, pay, reserve, settle, refund, cancelOrder, refreshStatus, playCustomer, newOrder
    case copyURL, toggleQRCode
    case showOrders, searchOrders, cycleFilter, previousFilter, pageUp, pageDown, firstRow, lastRow
    case cycleTheme, lock
    case redraw, quit, cancel
}

/// The screens a key row applies to. Rows of the current screen are looked up first, then
/// the rows that apply everywhere.
public enum KeyScope: String, Sendable, CaseIterable {
    case everywhere
    case checkout
    case orders

    /// The heading used in the help overlay and the README key list.
    var heading: String {
        switch self {
        case .everywhere: return "Everywhere"
        case .checkout: return "Checkout screen"
        case .orders: return "Orders list"
        }
    }
}

/// One row of the key table: the keys, a label, a help sentence, and the hint-bar label.
public struct KeyBinding: Sendable {
    /// Keys bound to the command. A printable key acts only outside text fields.
    public let keys: [Key]
    public let label: String
    public let help: String
    public let command: ConsoleCommand
    public let scope: KeyScope
    /// Short label for the hint bar, or nil to keep the row out of it.
    let hint: String?

    init(_ scope: KeyScope, keys: [Key], label: String, help: String, command: ConsoleCommand, hint: String?) {
        self.scope = scope
        self.keys = keys
        self.label = label
        self.help = help
        self.command = command
        self.hint = hint
    }
}

/// Whether a command can run now, and the reason shown when it cannot.
struct CommandAvailability: Equatable {
    var allowed: Bool
    var reason: String

    static let always = CommandAvailability(allowed: true, reason: "")
}

/// The single key table. It drives key dispatch, the hint bar, the help overlay and the
/// README key list, so these never disagree.
public enum KeyTable {
    public static let bindings: [KeyBinding] = checkoutBindings + ordersBindings + everywhereBindings

    static let checkoutBindings: [KeyBinding] = [
        KeyBinding(.checkout, keys: [.tab], label: "Next field",
                   help: "Move to the next field or pane.", command: .nextField, hint: nil),
        KeyBinding(.checkout, keys: [.backTab], label: "Previous field",
                   help: "Move to the previous field or pane.", command: .previousField, hint: nil),
        KeyBinding(.checkout, keys: [.enter], label: "Submit",
                   help: "Description and Qty: go to the next field; Unit price: add the line. Return URI: verify it. Actions: run the selected action.",
                   command: .submit, hint: nil),
        KeyBinding(.checkout, keys: [.up, .character("k")], label: "Up",
                   help: "Select the previous action, or move to the previous field.", command: .moveUp, hint: nil),
        KeyBinding(.checkout, keys: [.down, .character("j")], label: "Down",
                   help: "Select the next action, or move to the next field.", command: .moveDown, hint: nil),
        KeyBinding(.checkout, keys: [.function(2), .control("u"), .character("u")], label: "Build URL",
                   help: "Sign the CBUI URL for the customer from the order lines.", command: .buildURL, hint: "URL"),
        KeyBinding(.checkout, keys: [.function(3), .control("r"), .character("x")], label: "Remove line",
                   help: "Remove the last order line.", command: .removeLastLine, hint: "Remove"),
        KeyBinding(.checkout, keys: [.function(4), .control("t"), .character("m")], label: "Pay now / Reserve",
                   help: "Switch the order between Pay now and Reserve (settle later).", command: .toggleMode, hint: "Mode"),
        KeyBinding(.checkout, keys: [.function(5), .character("p")], label: "Pay",
                   help: "Charge the authorized amount now, after a y/N confirmation.", command: .pay, hint: "Pay"),
        KeyBinding(.checkout, keys: [.function(6), .character("r")], label: "Reserve",
                   help: "Hold the authorized amount on the customer's card, after a y/N confirmation.", command: .reserve, hint: "Reserve"),
        KeyBinding(.checkout, keys: [.function(7), .character("s")], label: "Settle",
                   help: "Capture a reserve: type a partial amount or leave it empty for the full amount, then confirm.",
                   command: .settle, hint: "Settle"),
        KeyBinding(.checkout, keys: [.control("f"), .character("f")], label: "Refund",
                   help: "Return money of a succeeded payment: type a partial amount or leave it empty for all that is left, then confirm.",
                   command: .refund, hint: "Refund"),
        KeyBinding(.checkout, keys: [.control("k"), .character("d")], label: "Cancel order",
                   help: "Release a reserve, or stop a pending Pay or Reserve, after a y/N confirmation; no money moves.",
                   command: .cancelOrder, hint: "Cancel"),
        KeyBinding(.checkout, keys: [.control("g"), .character("g")], label: "Check status",
                   help: "Ask again for the status of a pending transaction that is no longer being polled.",
                   command: .refreshStatus, hint: "Status"),
        KeyBinding(.checkout, keys: [.function(8), .control("a"), .character("a")], label: "Play customer",
                   help: "Sandbox only: approve the URL as the customer and put the return URI in its field.",
                   command: .playCustomer, hint: "Customer"),
        KeyBinding(.checkout, keys: [.function(9), .control("n"), .character("n")], label: "New order",
                   help: "Start a new order; the current one stays in the ledger.", command: .newOrder, hint: "New"),
        KeyBinding(.checkout, keys: [.function(12), .control("y"), .character("c")], label: "Copy URL",
                   help: "Copy the CBUI URL to the clipboard with OSC 52; the terminal must allow clipboard writes.",
                   command: .copyURL, hint: "Copy"),
        KeyBinding(.checkout, keys: [.control("e"), .character("v")], label: "QR code",
                   help: "Show or hide the CBUI URL as a QR code for the customer's phone.", command: .toggleQRCode, hint: "QR"),
    ]

    static let ordersBindings: [KeyBinding] = [
        KeyBinding(.orders, keys: [.enter], label: "Open order",
                   help: "Open the selected order on the checkout screen, where it can be settled, refunded or cancelled.",
                   command: .submit, hint: "Open"),
        KeyBinding(.orders, keys: [.up, .character("k")], label: "Up",
                   help: "Select the previous order.", command: .moveUp, hint: nil),
        KeyBinding(.orders, keys: [.down, .character("j")], label: "Down",
                   help: "Select the next order.", command: .moveDown, hint: nil),
        KeyBinding(.orders, keys: [.pageUp], label: "Page up",
                   help: "Move up one screen of orders.", command: .pageUp, hint: nil),
        KeyBinding(.orders, keys: [.pageDown], label: "Page down",
                   help: "Move down one screen of orders; older orders load as needed.", command: .pageDown, hint: nil),
        KeyBinding(.orders, keys: [.home], label: "First",
                   help: "Select the most recently updated order.", command: .firstRow, hint: nil),
        KeyBinding(.orders, keys: [.end], label: "Oldest loaded",
                   help: "Select the oldest order loaded so far.", command: .lastRow, hint: nil),
        KeyBinding(.orders, keys: [.character("/")], label: "Search",
                   help: "Type to search order ids, descriptions and transaction ids; Enter opens the selected order, Esc clears the search.",
                   command: .searchOrders, hint: "Search"),
        KeyBinding(.orders, keys: [.character("f"), .tab], label: "Next filter",
                   help: "Show only orders in the next state: all, reserved, pending, succeeded, failed, cancelled.",
                   command: .cycleFilter, hint: "Filter"),
        KeyBinding(.orders, keys: [.character("F"), .backTab], label: "Previous filter",
                   help: "Show only orders in the previous state.", command: .previousFilter, hint: nil),
    ]

    static let everywhereBindings: [KeyBinding] = [
        KeyBinding(.everywhere, keys: [.function(1), .character("?")], label: "Help",
                   help: "Show or hide this list of keys.", command: .help, hint: "Help"),
        KeyBinding(.everywhere, keys: [.function(11), .control("o"), .character("o")], label: "Orders list",
                   help: "Switch between the checkout screen and the list of orders in the ledger.", command: .showOrders, hint: "Orders"),
        KeyBinding(.everywhere, keys: [.control("p"), .character("t")], label: "Next theme",
                   help: "Switch to the next colour theme: default, light, high-contrast, monochrome.", command: .cycleTheme, hint: nil),
        KeyBinding(.everywhere, keys: [.control("x"), .character("l")], label: "Lock",
                   help: "Lock the screen now; the order stays as it is behind the lock. Enter unlocks.", command: .lock, hint: nil),
        KeyBinding(.everywhere, keys: [.control("l")], label: "Redraw",
                   help: "Clear and redraw the whole screen.", command: .redraw, hint: nil),
        KeyBinding(.everywhere, keys: [.function(10), .character("q"), .control("c")], label: "Quit",
                   help: "Quit; asks y/N first while an order is open.", command: .quit, hint: "Quit"),
        KeyBinding(.everywhere, keys: [.escape], label: "Cancel / back",
                   help: "Close a dialog or the help, clear the focused field or the search, or leave the orders list.",
                   command: .cancel, hint: nil),
    ]

    /// Looks up the command bound to `key` on `scope`, then everywhere, or returns nil.
    /// Printable keys type text while a text field has focus, so they are looked up only
    /// when `focusIsTextField` is false.
    static func command(for key: Key, scope: KeyScope, focusIsTextField: Bool) -> ConsoleCommand? {
        if key.typesText && focusIsTextField { return nil }
        let row = bindings.first { $0.scope == scope && $0.keys.contains(key) }
            ?? bindings.first { $0.scope == .everywhere && $0.keys.contains(key) }
        return row?.command
    }

    /// Returns the row for `command` on `scope`, or the row that applies everywhere.
    static func binding(for command: ConsoleCommand, scope: KeyScope = .checkout) -> KeyBinding {
        bindings.first { $0.command == command && $0.scope == scope }
            ?? bindings.first { $0.command == command && $0.scope == .everywhere }
            ?? bindings.first { $0.command == command }!
    }

    /// Returns the rows for `scope` followed by the rows that apply everywhere.
    static func rows(for scope: KeyScope) -> [KeyBinding] {
        bindings.filter { $0.scope == scope } + (scope == .everywhere ? [] : bindings.filter { $0.scope == .everywhere })
    }

    /// Checks whether `command` may run in the current checkout state.
    static func availability(of command: ConsoleCommand, state: CheckoutState, canPlayCustomer: Bool) -> CommandAvailability {
        func from(_ action: CheckoutAction) -> CommandAvailability {
            let result = state.availability(of: action)
            return CommandAvailability(allowed: result.allowed, reason: result.reason)
        }
        switch command {
        case .buildURL: return from(.buildURL)
        case .pay: return from(.pay)
        case .reserve: return from(.reserve)
        case .settle: return from(.settle)
        case .refund: return from(.refund)
        case .cancelOrder: return from(.cancel)
        case .newOrder: return from(.newOrder)
        case .removeLastLine:
            if state.phase != .assembling { return CommandAvailability(allowed: false, reason: "Lines can change only before the URL is built.") }
            if state.lines.isEmpty { return CommandAvailability(allowed: false, reason: "The order has no lines.") }
            return CommandAvailability(allowed: true, reason: "Remove the last order line.")
        case .toggleMode:
            if state.phase != .assembling { return CommandAvailability(allowed: false, reason: "The mode is fixed once the URL is built.") }
            return CommandAvailability(allowed: true, reason: "Switch between Pay now and Reserve.")
        case .refreshStatus:
            if state.phase != .pending { return CommandAvailability(allowed: false, reason: "Only a pending transaction can be checked again.") }
            if state.busyStep != nil { return CommandAvailability(allowed: false, reason: "The status is being checked already.") }
            return CommandAvailability(allowed: true, reason: "Ask for the transaction status again.")
        case .playCustomer:
            if !canPlayCustomer { return CommandAvailability(allowed: false, reason: "Playing the customer works only against the sandbox.") }
            if state.phase != .awaitingReturn || state.cbuiURL == nil {
                return CommandAvailability(allowed: false, reason: "Build the URL first; the customer approves it.")
            }
            return CommandAvailability(allowed: true, reason: "Approve the URL as the sandbox customer.")
        case .copyURL, .toggleQRCode:
            if state.cbuiURL == nil { return CommandAvailability(allowed: false, reason: "Build the URL first (F2).") }
            if state.phase != .awaitingReturn {
                return CommandAvailability(allowed: false, reason: "The customer has already answered this URL.")
            }
            return CommandAvailability(allowed: true, reason: "Give the CBUI URL to the customer.")
        case .help, .nextField, .previousField, .submit, .moveUp, .moveDown, .redraw, .quit, .cancel,
             .showOrders, .searchOrders, .cycleFilter, .previousFilter, .pageUp, .pageDown, .firstRow, .lastRow,
             .cycleTheme, .lock:
            return .always
        }
    }

    /// Joins the key names of a row for display, such as "F5 / p".
    static func keyNames(_ binding: KeyBinding) -> String {
        binding.keys.map(\.displayName).joined(separator: " / ")
    }

    /// Renders the key table as Markdown for the README: one table per screen.
    public static func keyTableMarkdown() -> String {
        var lines: [String] = []
        for scope in [KeyScope.checkout, .orders, .everywhere] {
            if !lines.isEmpty { lines.append("") }
            lines.append("**\(scope.heading)**")
            lines.append("")
            lines.append("| Keys | Action | What it does |")
            lines.append("|---|---|---|")
            for binding in bindings where binding.scope == scope {
                let keys = binding.keys.map { "`\($0.displayName)`" }.joined(separator: ", ")
                lines.append("| \(keys) | \(binding.label) | \(binding.help) |")
            }
        }
        lines.append("")
        lines.append("Plain letters, `/` and `?` act only outside text fields; in a text field or the search they are typed. "
            + "F-keys and Ctrl keys work everywhere. Ctrl-C is trapped and acts as Quit.")
        return lines.joined(separator: "\n") + "\n"
    }
}

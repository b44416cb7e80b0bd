import Checkout

/// A console command that a key triggers.
public enum ConsoleCommand: String, Sendable, CaseIterable {
    case help, nextField, previousField, submit, moveUp, moveDown
    case buildURL, removeLastLine, toggleMode, pay, reserve, settle, refreshStatus, playCustomer, newOrder
    case redraw, quit, cancel
}

/// One row of the key table: the keys, a label, a help sentence, and the hint-bar label.
public struct KeyBinding: Sendable {
    /// Keys bound to the command. A printable key acts only outside text fields.
    public let keys: [Key]
    public let label: String
    public let help: String
    public let command: ConsoleCommand
    /// Short label for the hint bar, or nil to keep the row out of it.
    let hint: String?
}

/// Whether a command can run now, and the reason shown when it cannot.
struct CommandAvailability: Equatable {
    var allowed: Bool
    var reason: String
}

/// The single key table. It drives key dispatch, the hint bar, the help overlay and the
/// README key list, so these never disagree.
public enum KeyTable {
    public static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.function(1), .character("?")], label: "Help",
                   help: "Show or hide this list of keys.", command: .help, hint: "Help"),
        KeyBinding(keys: [.tab], label: "Next field",
                   help: "Move to the next field or pane.", command: .nextField, hint: nil),
        KeyBinding(keys: [.backTab], label: "Previous field",
                   help: "Move to the previous field or pane.", command: .previousField, hint: nil),
        KeyBinding(keys: [.enter], label: "Submit",
                   help: "Order fields: go to the next field; on Unit price, add the line. Return URI: verify it. Actions: run the selected action.",
                   command: .submit, hint: nil),
        KeyBinding(keys: [.up, .character("k")], label: "Up",
                   help: "Select the previous action, or move to the previous field.", command: .moveUp, hint: nil),
        KeyBinding(keys: [.down, .character("j")], label: "Down",
                   help: "Select the next action, or move to the next field.", command: .moveDown, hint: nil),
        KeyBinding(keys: [.function(2), .control("u"), .character("u")], label: "Build URL",
                   help: "Sign the CBUI URL for the customer from the order lines.", command: .buildURL, hint: "URL"),
        KeyBinding(keys: [.function(3), .control("r"), .character("x")], label: "Remove line",
                   help: "Remove the last order line.", command: .removeLastLine, hint: "Remove"),
        KeyBinding(keys: [.function(4), .control("t"), .character("m")], label: "Pay now / Reserve",
                   help: "Switch the order between Pay now and Reserve (settle later).", command: .toggleMode, hint: "Mode"),
        KeyBinding(keys: [.function(5), .character("p")], label: "Pay",
                   help: "Charge the authorized amount now, after a y/N confirmation.", command: .pay, hint: "Pay"),
        KeyBinding(keys: [.function(6), .character("r")], label: "Reserve",
                   help: "Hold the authorized amount on the customer's card, after a y/N confirmation.", command: .reserve, hint: "Reserve"),
        KeyBinding(keys: [.function(7), .character("s")], label: "Settle",
                   help: "Capture a reserve: type a partial amount or leave it empty for the full amount, then confirm.",
                   command: .settle, hint: "Settle"),
        KeyBinding(keys: [.control("g"), .character("g")], label: "Check status",
                   help: "Ask again for the status of a pending transaction that is no longer being polled.",
                   command: .refreshStatus, hint: "Status"),
        KeyBinding(keys: [.function(8), .control("a"), .character("a")], label: "Play customer",
                   help: "Sandbox only: approve the URL as the customer and put the return URI in its field.",
                   command: .playCustomer, hint: "Customer"),
        KeyBinding(keys: [.function(9), .control("n"), .character("n")], label: "New order",
                   help: "Start a new order; the current one stays in the ledger.", command: .newOrder, hint: "New"),
        KeyBinding(keys: [.control("l")], label: "Redraw",
                   help: "Clear and redraw the whole screen.", command: .redraw, hint: nil),
        KeyBinding(keys: [.function(10), .character("q"), .control("c")], label: "Quit",
                   help: "Quit; asks y/N first while an order is open.", command: .quit, hint: "Quit"),
        KeyBinding(keys: [.escape], label: "Cancel / clear",
                   help: "Close a dialog or the help, or clear the focused field.", command: .cancel, hint: nil),
    ]

    /// Looks up the command bound to `key`, or nil. Printable keys type text while a text field has
    /// focus, so they are looked up only when `focusIsTextField` is false.
    static func command(for key: Key, focusIsTextField: Bool) -> ConsoleCommand? {
        if key.typesText && focusIsTextField { return nil }
        return bindings.first { $0.keys.contains(key) }?.command
    }

    static func binding(for command: ConsoleCommand) -> KeyBinding {
        bindings.first { $0.command == command }!
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
        case .help, .nextField, .previousField, .submit, .moveUp, .moveDown, .redraw, .quit, .cancel:
            return CommandAvailability(allowed: true, reason: "")
        }
    }

    /// Joins the key names of a row for display, such as "F5 / p".
    static func keyNames(_ binding: KeyBinding) -> String {
        binding.keys.map(\.displayName).joined(separator: " / ")
    }

    /// Renders the key table as a Markdown table for the README.
    public static func keyTableMarkdown() -> String {
        var lines = [
            "| Keys | Action | What it does |",
            "|---|---|---|",
        ]
        for binding in bindings {
            let keys = binding.keys.map { "`\($0.displayName)`" }.joined(separator: ", ")
            lines.append("| \(keys) | \(binding.label) | \(binding.help) |")
        }
        lines.append("")
        lines.append("Plain letters and `?` act only when the actions pane has focus; in a text field they are typed. "
            + "F-keys and Ctrl keys work everywhere. Ctrl-C is trapped and acts as Quit.")
        return lines.joined(separator: "\n") + "\n"
    }
}

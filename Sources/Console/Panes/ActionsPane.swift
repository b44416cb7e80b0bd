import Checkout

/// The checkout actions with their keys. Disabled ones are dim and show why, with the reason
/// from `CheckoutState.availability(of:)`.
enum ActionsPane: Pane {
    struct Entry {
        let action: CheckoutAction
        let command: ConsoleCommand
    }

    static let actions: [Entry] = [
        Entry(action: .buildURL, command: .buildURL),
        Entry(action: .pay, command: .pay),
        Entry(action: .reserve, command: .reserve),
        Entry(action: .settle, command: .settle),
        Entry(action: .refund, command: .refund),
        Entry(action: .cancel, command: .cancelOrder),
        Entry(action: .newOrder, command: .newOrder),
    ]

    static func title(model: ConsoleModel, context: RenderContext) -> String? { "Actions" }

    /// Returns the F-key (or the Ctrl key when the row has no F-key) and the letter that
    /// works on this pane, such as "F5 p" or "Ctrl-F f".
    static func keyNames(_ binding: KeyBinding) -> String {
        let functionKey = binding.keys.first { if case .function = $0 { return true } else { return false } }
        let controlKey = binding.keys.first { if case .control = $0 { return true } else { return false } }
        let letter = binding.keys.first(where: \.typesText)
        return [functionKey ?? controlKey, letter].compactMap { $0?.displayName }.joined(separator: " ")
    }

    static func hasFocus(model: ConsoleModel) -> Bool { model.focus == .actions }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        let keyColumns = 9
        let labelColumns = 13
        return actions.prefix(height).enumerated().map { index, entry in
            let binding = KeyTable.binding(for: entry.command)
            let availability = model.state.availability(of: entry.action)
            let selected = index == model.selectedAction && model.focus == .actions
            let marker = selected ? context.glyphs.selected + " " : "  "
            let keys = TextWidth.pad(keyNames(binding), to: keyColumns)
            let label = TextWidth.pad(binding.label, to: labelColumns)
            let reasonColumns = max(0, width - 2 - keyColumns - labelColumns)
            let reason = TextWidth.truncate(availability.reason, to: reasonColumns)
            if !availability.allowed {
                return [Span(marker, .focus), Span(keys + label + reason, .disabled)]
            }
            return [Span(marker, .focus), Span(keys, .hintKey), Span(label, selected ? .focus : .text), Span(reason, .dim)]
        }
    }
}

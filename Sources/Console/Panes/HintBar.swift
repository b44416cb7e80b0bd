/// The bottom row of keys, built from the key table: help first and quit last always, and
/// between them the actions allowed now, left out from the end when the row is full.
enum HintBar: Pane {
    static func title(model: ConsoleModel, context: RenderContext) -> String? { nil }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        let middle = allowedActions(model: model) + [KeyTable.binding(for: .showOrders)]
        return [line(entries: middle.map { spans(for: $0) }, width: width)]
    }

    /// The hint row of the orders screen.
    static func ordersLine(model: ConsoleModel, width: Int) -> StyledLine {
        var entries = [ConsoleCommand.submit, .searchOrders, .cycleFilter].map { spans(for: KeyTable.binding(for: $0, scope: .orders)) }
        entries.append(spans(key: KeyTable.binding(for: .cancel).keys[0], label: model.orders.isEditingSearch ? "Clear search" : "Back"))
        return line(entries: entries, width: width)
    }

    /// Joins help, `entries` as far as they fit, and quit, padded to `width`.
    private static func line(entries: [StyledLine], width: Int) -> StyledLine {
        let quit = spans(for: KeyTable.binding(for: .quit))
        let quitWidth = TextWidth.width(of: quit.plainText)
        var line: StyledLine = []
        var used = 0
        for entry in [spans(for: KeyTable.binding(for: .help))] + entries {
            let entryWidth = TextWidth.width(of: entry.plainText)
            if used + entryWidth + quitWidth > width { break }
            line += entry
            used += entryWidth
        }
        line += quit
        used += quitWidth
        line.append(Span(String(repeating: " ", count: max(0, width - used)), .hint))
        return line
    }

    private static func spans(for binding: KeyBinding) -> StyledLine {
        spans(key: binding.keys[0], label: binding.hint ?? binding.label)
    }

    private static func spans(key: Key, label: String) -> StyledLine {
        [Span(" " + key.displayName + " ", .hintKey), Span(label + " ", .hint)]
    }

    /// Checkout-screen rows with a hint label whose command may run now, in table order.
    static func allowedActions(model: ConsoleModel) -> [KeyBinding] {
        KeyTable.bindings.filter { binding in
            binding.scope == .checkout && binding.hint != nil
                && KeyTable.availability(of: binding.command, state: model.state, canPlayCustomer: model.canPlayCustomer).allowed
        }
    }
}

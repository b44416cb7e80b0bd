/// The bottom row of keys, built from the key table: help first and quit last always, and
/// between them the actions allowed now, left out from the end when the row is full.
enum HintBar: Pane {
    static func title(model: ConsoleModel, context: RenderContext) -> String? { nil }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        let quit = spans(for: KeyTable.binding(for: .quit))
        let quitWidth = TextWidth.width(of: quit.plainText)
        var line: StyledLine = []
        var used = 0
        for binding in [KeyTable.binding(for: .help)] + allowedActions(model: model) {
            let entry = spans(for: binding)
            let entryWidth = TextWidth.width(of: entry.plainText)
            if used + entryWidth + quitWidth > width { break }
            line += entry
            used += entryWidth
        }
        line += quit
        used += quitWidth
        line.append(Span(String(repeating: " ", count: max(0, width - used)), .hint))
        return [line]
    }

    private static func spans(for binding: KeyBinding) -> StyledLine {
        [Span(" " + binding.keys[0].displayName + " ", .hintKey), Span((binding.hint ?? binding.label) + " ", .hint)]
    }

    /// Hint-bar rows other than help and quit whose command may run now, in table order.
    static func allowedActions(model: ConsoleModel) -> [KeyBinding] {
        KeyTable.bindings.filter { binding in
            binding.hint != nil && binding.command != .help && binding.command != .quit
                && KeyTable.availability(of: binding.command, state: model.state, canPlayCustomer: model.canPlayCustomer).allowed
        }
    }
}

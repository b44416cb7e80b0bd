/// A box over the screen listing the key table. Keys whose command cannot run now are dim,
/// with the reason.
enum HelpOverlay {
    static let keyColumns = 18
    static let labelColumns = 18

    /// Builds the content rows for a box `width` columns wide, before scrolling: the keys of
    /// the current screen first, then the keys that work everywhere.
    static func rows(model: ConsoleModel, width: Int) -> [StyledLine] {
        let helpColumns = max(10, width - keyColumns - labelColumns)
        var rows: [StyledLine] = []
        for scope in [model.screen.keyScope, .everywhere] {
            if !rows.isEmpty { rows.append([]) }
            rows.append([Span(scope.heading, .title)])
            for binding in KeyTable.bindings where binding.scope == scope {
                rows += helpRows(binding, model: model, helpColumns: helpColumns)
            }
        }
        rows.append([])
        rows.append([Span("Letters, / and ? act only outside text fields; in a field or the search they are typed.", .dim)])
        return rows
    }

    /// Wraps one key row; keys whose command cannot run now are dim, with the reason.
    private static func helpRows(_ binding: KeyBinding, model: ConsoleModel, helpColumns: Int) -> [StyledLine] {
        let availability = model.screen == .checkout
            ? KeyTable.availability(of: binding.command, state: model.state, canPlayCustomer: model.canPlayCustomer)
            : .always
        let text = availability.allowed ? binding.help : "\(binding.help) Not now: \(availability.reason)"
        let wrapped = TextWidth.wrapWords(text, columns: helpColumns)
        let role: Role = availability.allowed ? .text : .disabled
        return wrapped.enumerated().map { index, part in
            let keys = index == 0 ? TextWidth.pad(KeyTable.keyNames(binding), to: keyColumns) : String(repeating: " ", count: keyColumns)
            let label = index == 0 ? TextWidth.pad(binding.label, to: labelColumns) : String(repeating: " ", count: labelColumns)
            return [Span(keys, availability.allowed ? .hintKey : .disabled), Span(label, role), Span(part, role)]
        }
    }

    static func draw(into canvas: inout Canvas, model: ConsoleModel, scroll: Int, context: RenderContext) {
        let boxWidth = min(canvas.width - 2, 110)
        let boxHeight = canvas.height - 2
        let box = Rect(x: (canvas.width - boxWidth) / 2, y: 1, width: boxWidth, height: boxHeight)
        let content = rows(model: model, width: boxWidth - 4)
        let visibleRows = boxHeight - 3
        let maximumScroll = max(0, content.count - visibleRows)
        let offset = min(scroll, maximumScroll)
        let footer = maximumScroll > 0 ? "Up/Down scroll, Esc or F1 closes" : "Esc or F1 closes"
        Box.draw(into: &canvas, rect: box, title: "Keys", footer: footer, glyphs: context.glyphs)
        for (index, line) in content.dropFirst(offset).prefix(visibleRows).enumerated() {
            canvas.put(line, x: box.x + 2, y: box.y + 1 + index, limit: boxWidth - 4)
        }
    }
}

/// A bordered box cleared to the text role, with a title in the top border and a footer row.
enum Box {
    static func draw(into canvas: inout Canvas, rect: Rect, title: String, footer: String?, glyphs: Glyphs) {
        canvas.fill(rect, role: .text)
        let horizontal = String(repeating: glyphs.horizontal, count: max(0, rect.width - 2))
        canvas.put(String(glyphs.corners.topLeft) + horizontal + String(glyphs.corners.topRight), x: rect.x, y: rect.y, role: .border)
        canvas.put(String(glyphs.corners.bottomLeft) + horizontal + String(glyphs.corners.bottomRight),
                   x: rect.x, y: rect.maxY - 1, role: .border)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            canvas.put(String(glyphs.vertical), x: rect.x, y: y, role: .border)
            canvas.put(String(glyphs.vertical), x: rect.x + rect.width - 1, y: y, role: .border)
        }
        canvas.put(" \(title) ", x: rect.x + 2, y: rect.y, role: .title, limit: rect.width - 4)
        if let footer {
            canvas.put(footer, x: rect.x + 2, y: rect.maxY - 2, role: .dim, limit: rect.width - 4)
        }
    }
}

/// The screen while the console is locked: no order details, only the lock badge, the
/// clerk and desk, and how to unlock. The order itself stays untouched in the model.
enum LockScreen {
    static func draw(into canvas: inout Canvas, model: ConsoleModel, context: RenderContext) {
        let header = HeaderPane.row(candidates: [[Span(HeaderPane.productName, .title), Span("  "), Span("[LOCKED]", .locked)],
                                                 [Span("[LOCKED]", .locked)]],
                                    model: model, width: canvas.width)
        canvas.put(header, x: 0, y: 0, limit: canvas.width)

        var rows: [StyledLine] = [
            [Span(" [LOCKED] ", .locked)],
            [],
            [Span("This console is locked. The open order is kept as it was.")],
            [Span("Clerk ", .dim), Span(model.state.clerk)] + (model.desk.isEmpty ? [] : [Span(" · desk ", .dim), Span(model.desk)]),
            [],
            [Span("Press Enter to unlock as clerk \(model.state.clerk).", .notice)],
        ]
        if let notice = model.localNotice {
            rows += [[], [Span("\(notice.isProblem ? context.glyphs.failure : context.glyphs.success) \(notice.text)",
                               notice.isProblem ? .failure : .success)]]
        }
        let top = max(1, (canvas.height - rows.count) / 2)
        for (index, row) in rows.enumerated() where top + index < canvas.height - 1 {
            let text = row.plainText
            let columns = min(TextWidth.width(of: text), canvas.width)
            canvas.put(row, x: max(0, (canvas.width - columns) / 2), y: top + index, limit: canvas.width)
        }
        if canvas.height > 1 {
            let hint: StyledLine = [Span(" Enter ", .hintKey), Span("Unlock ", .hint)]
            canvas.put(hint + [Span(String(repeating: " ", count: max(0, canvas.width - TextWidth.width(of: hint.plainText))), .hint)],
                       x: 0, y: canvas.height - 1, limit: canvas.width)
        }
        canvas.cursor = nil
    }
}

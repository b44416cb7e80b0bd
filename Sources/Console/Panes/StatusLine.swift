/// The notice row: the console's own message if a key just produced one, else the checkout's
/// notice. A problem starts with ✗ and a success with ✓, so colour is never the only sign.
enum StatusLine: Pane {
    static func title(model: ConsoleModel, context: RenderContext) -> String? { nil }

    /// Returns the message and whether it reports a problem, or nil when there is none.
    static func message(model: ConsoleModel) -> (text: String, isProblem: Bool)? {
        if let local = model.localNotice { return (local.text, local.isProblem) }
        if let notice = model.state.notice { return (notice, model.state.noticeIsProblem) }
        return nil
    }

    static func text(model: ConsoleModel, context: RenderContext) -> String? {
        guard let message = message(model: model) else { return nil }
        let symbol = message.isProblem ? context.glyphs.failure : context.glyphs.success
        return "\(symbol) \(TextWidth.sanitize(message.text))"
    }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        guard let message = message(model: model), let text = text(model: model, context: context) else { return [] }
        let role: Role = message.isProblem ? .failure : .success
        let wrapped = TextWidth.wrapWords(text, columns: width)
        var rows = Array(wrapped.prefix(height))
        if wrapped.count > height, height > 0 {
            rows[height - 1] = TextWidth.truncate(wrapped[(height - 1)...].joined(separator: " "), to: width)
        }
        return rows.map { [Span($0, role)] }
    }
}

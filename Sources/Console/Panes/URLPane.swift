/// The signed CBUI URL, shown whole and wrapped between characters, unstyled so terminal
/// selection copies it exactly.
enum URLPane: Pane {
    static func title(model: ConsoleModel, context: RenderContext) -> String? {
        "CBUI URL for the customer"
    }

    static func titleDetail(model: ConsoleModel, context: RenderContext) -> String? {
        model.state.cbuiURL.map { "\($0.count) characters" }
    }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        guard height > 0 else { return [] }
        guard let url = model.state.cbuiURL else {
            let hint = "Not built yet: add the order lines, then press F2 (Ctrl-U) to sign the URL."
            return [[Span(TextWidth.truncate(hint, to: width), .dim)]]
        }
        let rows = TextWidth.wrapCharacters(TextWidth.sanitize(url), columns: width)
        if rows.count <= height { return rows.map { [Span($0)] } }

        // With too few rows, the last row shows how much is hidden, so the URL is never cut silently.
        let hiddenCount = rows[(height - 1)...].reduce(0) { $0 + $1.count }
        let marker = " \(context.glyphs.ellipsis) \(hiddenCount) more characters; enlarge the window to see the whole URL"
        var shown = rows.prefix(height - 1).map { [Span($0)] }
        shown.append([Span(TextWidth.truncate(marker, to: width), .failure)])
        return shown
    }
}

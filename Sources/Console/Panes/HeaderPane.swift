/// The top row: product name, order id, phase in words, charge mode, and the SANDBOX or
/// LIVE badge at the right, spelled out so it never depends on colour.
enum HeaderPane: Pane {
    static let productName = "fps-checkout"

    static func title(model: ConsoleModel, context: RenderContext) -> String? { nil }

    static func badge(isSandbox: Bool) -> Span {
        isSandbox ? Span("[SANDBOX]", .badgeSandbox) : Span("[LIVE]", .badgeLive)
    }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        let state = model.state
        let badge = badge(isSandbox: state.isSandbox)
        let separator = Span("  \(context.glyphs.vertical)  ", .border)
        var left: StyledLine = [
            Span(productName, .title), separator,
            Span("Order \(state.orderID)"), separator,
            Span(Words.phase(state.phase), Words.phaseRole(state.phase)), separator,
            Span(Words.mode(state.mode), .dim),
        ]
        // The badge always keeps its place; the order text gives way on narrow screens.
        let room = width - TextWidth.width(of: badge.text) - 1
        if TextWidth.width(of: left.plainText) > room {
            left = [Span(TextWidth.truncate(left.plainText, to: room))]
        }
        let gap = max(1, width - TextWidth.width(of: left.plainText) - TextWidth.width(of: badge.text))
        return [left + [Span(String(repeating: " ", count: gap)), badge]]
    }
}

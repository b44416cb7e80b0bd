/// The top row. Product name, order id, phase in words and charge mode sit at the left. The
/// clerk, the desk and the SANDBOX or LIVE badge sit at the right, spelled out so they never
/// depend on colour. The charge mode always shows, so a clerk sees Reserve before charging:
/// on a narrow screen the product name is left out first, then the clerk and the desk.
enum HeaderPane: Pane {
    static let productName = "fps-checkout"

    static func title(model: ConsoleModel, context: RenderContext) -> String? { nil }

    static func badge(isSandbox: Bool) -> Span {
        isSandbox ? Span("[SANDBOX]", .badgeSandbox) : Span("[LIVE]", .badgeLive)
    }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        let state = model.state
        let separator = Span("  \(context.glyphs.vertical)  ", .border)
        let product = Span(productName, .title)
        let order = Span("Order \(state.orderID)")
        let phase = Span(Words.phase(state.phase), Words.phaseRole(state.phase))
        let mode = Span(Words.mode(state.mode), .dim)
        let candidates: [StyledLine] = [
            [product, separator, order, separator, phase, separator, mode],
            [order, separator, phase, separator, mode],
        ]
        return [row(candidates: candidates, model: model, width: width)]
    }

    /// Returns `Clerk ann · desk-1  [SANDBOX]` for the right end of the header.
    static func identity(model: ConsoleModel) -> StyledLine {
        var line: StyledLine = [Span("Clerk ", .dim), Span(model.state.clerk)]
        if !model.desk.isEmpty { line += [Span(" · ", .dim), Span(model.desk)] }
        return line + [Span("  "), badge(isSandbox: model.state.isSandbox)]
    }

    /// Builds the header row from the first of `candidates` that fits beside the identity
    /// spans. When none fits, the last and shortest candidate goes beside the badge alone,
    /// truncated if it must be. The badge always keeps its place.
    static func row(candidates: [StyledLine], model: ConsoleModel, width: Int) -> StyledLine {
        // At least three columns between the two halves, so they never read as one phrase.
        let minimumGap = 3
        let right = identity(model: model)
        let room = width - TextWidth.width(of: right.plainText) - minimumGap
        if let left = candidates.first(where: { TextWidth.width(of: $0.plainText) <= room }) {
            return joined(left, right, width: width, minimumGap: minimumGap)
        }
        let badgeOnly: StyledLine = [badge(isSandbox: model.state.isSandbox)]
        let badgeRoom = max(0, width - TextWidth.width(of: badgeOnly.plainText) - minimumGap)
        guard let last = candidates.last else { return joined([], badgeOnly, width: width, minimumGap: minimumGap) }
        let left = TextWidth.width(of: last.plainText) <= badgeRoom ? last : [Span(TextWidth.truncate(last.plainText, to: badgeRoom))]
        return joined(left, badgeOnly, width: width, minimumGap: minimumGap)
    }

    private static func joined(_ left: StyledLine, _ right: StyledLine, width: Int, minimumGap: Int) -> StyledLine {
        let gap = max(minimumGap, width - TextWidth.width(of: left.plainText) - TextWidth.width(of: right.plainText))
        return left + [Span(String(repeating: " ", count: gap))] + right
    }
}

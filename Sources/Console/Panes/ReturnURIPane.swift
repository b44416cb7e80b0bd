import Checkout

/// The one-row input for the return URI. A long paste shows its tail and its length, so the
/// clerk sees that the whole line arrived.
enum ReturnURIPane: Pane {
    static let label = "Return URI "

    static func title(model: ConsoleModel, context: RenderContext) -> String? { nil }

    static func hasFocus(model: ConsoleModel) -> Bool { model.focus == .returnURI }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        [row(model: model, width: width, context: context).line]
    }

    static func cursor(model: ConsoleModel, width: Int, height: Int) -> Point? {
        guard model.focus == .returnURI else { return nil }
        return Point(x: row(model: model, width: width, context: RenderContext()).cursorX, y: 0)
    }

    private static func row(model: ConsoleModel, width: Int, context: RenderContext) -> (line: StyledLine, cursorX: Int) {
        let field = model.returnURI
        let lengthText = field.isEmpty ? "" : " \(field.text.count) chars"
        let labelSpan = Span(label, model.focus == .returnURI ? .focus : .title)
        let columns = width - TextWidth.width(of: label) - TextWidth.width(of: lengthText)
        let view = FieldView.spans(field, columns: columns, placeholder: placeholder(for: model))
        return ([labelSpan] + view.line + [Span(lengthText, .dim)], TextWidth.width(of: label) + view.cursorColumn)
    }

    private static func placeholder(for model: ConsoleModel) -> String {
        switch model.state.phase {
        case .awaitingReturn where model.canPlayCustomer:
            return "paste the URI the customer's browser ended on, or press F8 (Ctrl-A) to play the customer; then Enter"
        case .awaitingReturn:
            return "paste the URI the customer's browser ended on, then press Enter"
        case .assembling:
            return "available once the URL is built"
        default:
            return "verified"
        }
    }
}

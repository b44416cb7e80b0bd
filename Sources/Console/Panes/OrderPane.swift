import Checkout
import FPSClient

/// Order entry: description, quantity and unit price fields, the refusal of a typed line
/// in place under them, and the order lines, newest at the bottom.
enum OrderPane: Pane {
    static let descriptionLabel = "Description "
    static let quantityLabel = "Qty "
    static let priceLabel = "  Unit price "
    static let quantityColumns = 6
    static let priceColumns = 12

    static func title(model: ConsoleModel, context: RenderContext) -> String? {
        "Order · \(Words.mode(model.state.mode))"
    }

    static func titleDetail(model: ConsoleModel, context: RenderContext) -> String? {
        guard !model.state.lines.isEmpty else { return "Total —" }
        guard let total = model.state.total else { return "Total too large" }
        return "Total \(total)"
    }

    static func hasFocus(model: ConsoleModel) -> Bool {
        [.description, .quantity, .unitPrice].contains(model.focus)
    }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        var rows: [StyledLine] = []
        rows.append(descriptionRow(model: model, width: width).line)
        rows.append(amountRow(model: model, width: width).line)
        let noticeRows = noticeLines(model: model, width: width, maximumRows: max(1, height - 3))
        rows.append(contentsOf: noticeRows)
        rows.append(contentsOf: orderLines(model.state.lines, width: width, rows: height - rows.count, context: context))
        return Array(rows.prefix(height))
    }

    static func cursor(model: ConsoleModel, width: Int, height: Int) -> Point? {
        switch model.focus {
        case .description: return Point(x: descriptionRow(model: model, width: width).cursorX, y: 0)
        case .quantity, .unitPrice: return Point(x: amountRow(model: model, width: width).cursorX, y: 1)
        default: return nil
        }
    }

    private static func label(_ text: String, focused: Bool) -> Span {
        Span(text, focused ? .focus : .text)
    }

    private static func descriptionRow(model: ConsoleModel, width: Int) -> (line: StyledLine, cursorX: Int) {
        let columns = width - TextWidth.width(of: descriptionLabel)
        let field = FieldView.spans(model.description, columns: columns, placeholder: "what the customer orders")
        let cursorX = TextWidth.width(of: descriptionLabel) + field.cursorColumn
        return ([label(descriptionLabel, focused: model.focus == .description)] + field.line, cursorX)
    }

    private static func amountRow(model: ConsoleModel, width: Int) -> (line: StyledLine, cursorX: Int) {
        let quantity = FieldView.spans(model.quantity, columns: quantityColumns)
        let price = FieldView.spans(model.unitPrice, columns: priceColumns)
        var line: StyledLine = [label(quantityLabel, focused: model.focus == .quantity)] + quantity.line
        line.append(label(priceLabel, focused: model.focus == .unitPrice))
        line += price.line
        if let preview = lineTotalPreview(model: model) {
            line.append(Span("  = \(preview)", .dim))
        }
        let priceX = TextWidth.width(of: quantityLabel) + quantityColumns + TextWidth.width(of: priceLabel)
        let cursorX = model.focus == .quantity
            ? TextWidth.width(of: quantityLabel) + quantity.cursorColumn
            : priceX + price.cursorColumn
        return (line, cursorX)
    }

    /// Computes the line total of the typed quantity and price, when both parse.
    private static func lineTotalPreview(model: ConsoleModel) -> String? {
        guard let quantity = Int64(model.quantity.text.trimmingCharacters(in: .whitespaces)), quantity > 0,
              let price = try? Money.parse(model.unitPrice.text), let total = price.times(quantity) else { return nil }
        return total.description
    }

    /// Builds the rows under the fields: the refusal of the last typed line, wrapped into up to
    /// `maximumRows`, or a hint.
    private static func noticeLines(model: ConsoleModel, width: Int, maximumRows: Int) -> [StyledLine] {
        if let notice = model.fieldNotice {
            let wrapped = TextWidth.wrapWords("✗ " + notice, columns: width)
            let limit = min(2, maximumRows)
            var rows = Array(wrapped.prefix(limit))
            if wrapped.count > limit {
                rows[limit - 1] = TextWidth.truncate(wrapped[(limit - 1)...].joined(separator: " "), to: width)
            }
            return rows.map { [Span($0, .failure)] }
        }
        if model.state.phase == .assembling {
            return [[Span(TextWidth.truncate("Enter on Unit price adds the line.", to: width), .dim)]]
        }
        return [[Span(TextWidth.truncate("Lines are fixed once the URL is built.", to: width), .dim)]]
    }

    private static func orderLines(_ lines: [OrderLine], width: Int, rows: Int, context: RenderContext) -> [StyledLine] {
        guard rows > 0 else { return [] }
        if lines.isEmpty { return [[Span("No lines yet.", .dim)]] }

        // Show the newest lines; the first row counts the ones scrolled away.
        var shown = Array(lines.enumerated())
        var result: [StyledLine] = []
        if shown.count > rows {
            let hidden = shown.count - (rows - 1)
            shown = Array(shown.suffix(rows - 1))
            result.append([Span("\(context.glyphs.ellipsis) \(hidden) earlier line\(hidden == 1 ? "" : "s")", .dim)])
        }
        for (index, line) in shown {
            result.append([Span(orderLineText(number: index + 1, line: line, width: width))])
        }
        return result
    }

    /// `  2  Widget…      3 × 12.50    37.50`: number, description, quantity and price, line total.
    static func orderLineText(number: Int, line: OrderLine, width: Int) -> String {
        let numberText = TextWidth.pad("\(number).", to: 4)
        let amounts = "\(line.quantity) × \(line.unitPrice.decimalString)"
        let total = line.total?.decimalString ?? "overflow"
        let right = " " + amounts + " " + String(repeating: " ", count: max(1, 10 - TextWidth.width(of: total))) + total
        let descriptionColumns = max(4, width - 4 - TextWidth.width(of: right))
        return numberText + TextWidth.pad(TextWidth.sanitize(line.description), to: descriptionColumns) + right
    }
}

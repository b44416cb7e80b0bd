import Checkout
import FPSClient

/// The y/N questions and the Settle amount prompt. Each restates the order, the amount and
/// whether the endpoint is the sandbox, and only `y` confirms.
enum DialogOverlay {
    struct Content {
        var title: String
        var lines: [StyledLine]
        /// The text field shown after the lines, for the Settle amount.
        var field: TextField?
        var footer: String
    }

    static func content(for overlay: Overlay, model: ConsoleModel) -> Content? {
        let state = model.state
        let endpoint = state.isSandbox ? "SANDBOX" : "LIVE"
        let total = state.total?.description ?? "the order total"
        switch overlay {
        case .help:
            return nil
        case .confirmQuit:
            return Content(title: "Quit?", lines: [
                [Span("Order \(state.orderID) is open (\(Words.phase(state.phase))).")],
                [Span("It stays in the ledger and can be finished later.", .dim)],
                [],
                [Span("Quit fps-checkout? (y/N)", .notice)],
            ], field: nil, footer: "y quits; n, Esc or Enter stays")
        case .confirmPay:
            return Content(title: "Confirm Pay", lines: [
                [Span("Charge \(total) now?", .notice)],
                [Span("Order \(state.orderID)  "), HeaderPane.badge(isSandbox: state.isSandbox)],
                [],
                [Span("Pay \(total) on \(endpoint)? (y/N)", .notice)],
            ], field: nil, footer: "y pays; n, Esc or Enter cancels")
        case .confirmReserve:
            return Content(title: "Confirm Reserve", lines: [
                [Span("Hold \(total) on the customer's card?", .notice)],
                [Span("Order \(state.orderID)  "), HeaderPane.badge(isSandbox: state.isSandbox)],
                [],
                [Span("Reserve \(total) on \(endpoint)? (y/N)", .notice)],
            ], field: nil, footer: "y reserves; n, Esc or Enter cancels")
        case .settleAmount(let field, let problem):
            var lines: [StyledLine] = [
                [Span("Settle the reserve of order \(state.orderID)  "), HeaderPane.badge(isSandbox: state.isSandbox)],
                [Span("Amount to capture; leave empty to settle the full \(total).")],
            ]
            if let problem { lines.append([Span("\u{2717} " + problem, .failure)]) }
            return Content(title: "Settle", lines: lines, field: field, footer: "Enter continues; Esc cancels")
        case .confirmSettle(let amount):
            let amountText = amount.flatMap { try? Money.parse($0) }?.description ?? total
            let kind = amount == nil ? "full amount" : "partial amount"
            return Content(title: "Confirm Settle", lines: [
                [Span("Capture \(amountText) (\(kind)) of order \(state.orderID)?", .notice)],
                [HeaderPane.badge(isSandbox: state.isSandbox)],
                [],
                [Span("Settle \(amountText) on \(endpoint)? (y/N)", .notice)],
            ], field: nil, footer: "y settles; n, Esc or Enter cancels")
        }
    }

    /// Draws the dialog centred; returns the cursor position when it has a text field.
    @discardableResult
    static func draw(into canvas: inout Canvas, content: Content, context: RenderContext) -> Point? {
        let width = min(canvas.width - 4, 72)
        var rows: [StyledLine] = []
        for line in content.lines {
            // Long sentences wrap inside the box instead of running past its border.
            if line.count == 1, let span = line.first, TextWidth.width(of: span.text) > width - 4 {
                rows += TextWidth.wrapWords(span.text, columns: width - 4).map { [Span($0, span.role)] }
            } else {
                rows.append(line)
            }
        }
        let fieldRows = content.field == nil ? 0 : 2
        let height = rows.count + fieldRows + 4
        let box = Rect(x: (canvas.width - width) / 2, y: max(1, (canvas.height - height) / 2), width: width, height: height)
        Box.draw(into: &canvas, rect: box, title: content.title, footer: content.footer, glyphs: context.glyphs)
        for (index, line) in rows.enumerated() {
            canvas.put(line, x: box.x + 2, y: box.y + 1 + index, limit: width - 4)
        }
        guard let field = content.field else { return nil }
        let fieldY = box.y + 2 + rows.count
        let view = FieldView.spans(field, columns: 16, placeholder: "full amount")
        canvas.put([Span("Amount ")] + view.line, x: box.x + 2, y: fieldY, limit: width - 4)
        return Point(x: box.x + 2 + TextWidth.width(of: "Amount ") + view.cursorColumn, y: fieldY)
    }
}

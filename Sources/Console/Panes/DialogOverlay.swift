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
        case .help, .qrCode:
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
        case .refundAmount(let field, let problem):
            let refundable = state.refundable?.description ?? "the amount charged"
            var lines: [StyledLine] = [
                [Span("Refund order \(state.orderID)  "), HeaderPane.badge(isSandbox: state.isSandbox)],
                [Span("Charged \(state.charged?.description ?? "—"); \(refundable) can still be refunded.")],
                [Span("Amount to refund; leave empty to refund all \(refundable).")],
            ]
            if let problem { lines.append([Span("\u{2717} " + problem, .failure)]) }
            return Content(title: "Refund", lines: lines, field: field, footer: "Enter continues; Esc cancels")
        case .confirmRefund(let amount):
            return Content(title: "Confirm Refund", lines: refundConfirmation(amount: amount, state: state), field: nil,
                           footer: "y refunds; n, Esc or Enter cancels")
        case .confirmCancel:
            let what = state.phase == .reserved ? "the reserve" : "the pending \(state.transactionAction == .pay ? "payment" : "reserve")"
            return Content(title: "Confirm Cancel", lines: [
                [Span("Cancel \(what) of \(total) on order \(state.orderID)?", .notice)],
                [Span("No money moves; the hold on the customer's card is released.")],
                [HeaderPane.badge(isSandbox: state.isSandbox)],
                [],
                [Span("Cancel \(total) on \(endpoint)? (y/N)", .notice)],
            ], field: nil, footer: "y cancels the order; n, Esc or Enter keeps it")
        }
    }

    /// Restates a refund: the amount, or the earlier refund sent again when its outcome is unknown.
    private static func refundConfirmation(amount: String?, state: CheckoutState) -> [StyledLine] {
        let endpoint = state.isSandbox ? "SANDBOX" : "LIVE"
        if let unresolved = state.unresolvedRefund {
            return [
                [Span("Send refund \(unresolved.sequence) of \(unresolved.amount) again for order \(state.orderID)?", .notice)],
                [Span("Its outcome is unknown; it is sent with the same reference, so it cannot be paid twice.")],
                [HeaderPane.badge(isSandbox: state.isSandbox)],
                [],
                [Span("Refund \(unresolved.amount) on \(endpoint)? (y/N)", .notice)],
            ]
        }
        let full = state.refundable?.description ?? "the amount charged"
        let amountText = amount.flatMap { try? Money.parse($0) }?.description ?? full
        let kind = amount == nil ? "all that is left" : "partial amount"
        return [
            [Span("Return \(amountText) (\(kind)) of order \(state.orderID) to the customer?", .notice)],
            [HeaderPane.badge(isSandbox: state.isSandbox)],
            [],
            [Span("Refund \(amountText) on \(endpoint)? (y/N)", .notice)],
        ]
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

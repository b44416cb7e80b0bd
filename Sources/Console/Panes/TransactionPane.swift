import Checkout
import FPSClient

/// The live transaction: status word with a symbol, id, status code, attempt and time of the
/// last update, the amount charged and refunded, the sender token (redacted), and a spinner
/// with the step and elapsed time.
enum TransactionPane: Pane {
    static let labelColumns = 9

    static func title(model: ConsoleModel, context: RenderContext) -> String? { "Transaction" }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        let state = model.state
        func row(_ label: String, _ value: [Span]) -> StyledLine {
            [Span(TextWidth.pad(label, to: labelColumns), .dim)] + value
        }

        var rows: [StyledLine] = []
        if let transaction = state.transaction {
            let symbol = Words.statusSymbol(transaction.status, glyphs: context.glyphs)
            rows.append(row("Status", [Span("\(symbol) \(transaction.status.rawValue)", Words.statusRole(transaction.status))]))
            rows.append(row("ID", [Span(transaction.transactionID)]))
            rows.append(row("Code", [Span(transaction.statusCode ?? "—")]))
            rows.append(row("Attempt", [Span("\(transaction.attempt)"), Span("  updated ", .dim),
                                        Span(context.clockTime(transaction.lastUpdate))]))
        } else {
            rows.append(row("Status", [Span("No transaction yet", .dim)]))
            rows.append(row("ID", [Span("—", .dim)]))
            rows.append(row("Code", [Span("—", .dim)]))
            rows.append(row("Attempt", [Span("—", .dim)]))
        }
        rows.append(row("Charged", chargedSpans(state: state, context: context)))
        rows.append(row("Token", [state.tokenID.map { Span(Redaction.secret($0)) } ?? Span("—", .dim)]))
        rows.append(activityRow(model: model, context: context))
        return Array(rows.prefix(height)).map { clip($0, width: width) }
    }

    /// `USD 30.00  refunded USD 5.00`, with the latest refund's status while one is open.
    private static func chargedSpans(state: CheckoutState, context: RenderContext) -> [Span] {
        guard let charged = state.charged else { return [Span("—", .dim)] }
        var spans = [Span(charged.description)]
        if let refunded = state.refunded {
            spans += [Span("  refunded ", .dim), Span(refunded.description, .success)]
        }
        if let open = state.refunds.last(where: { $0.status == .requested || $0.status == .pending }) {
            spans += [Span("  ", .dim), Span("\(context.glyphs.pending) refund \(open.amount) \(open.status.rawValue)", .pending)]
        }
        return spans
    }

    /// Builds the spinner row while a network step or the sandbox customer runs, otherwise "Idle".
    private static func activityRow(model: ConsoleModel, context: RenderContext) -> StyledLine {
        if let busy = model.state.busyStep {
            return [Span("\(context.spinnerFrame(since: busy.since)) \(busy.name) \(context.elapsed(since: busy.since))", .pending)]
        }
        if let since = model.playingCustomerSince {
            return [Span("\(context.spinnerFrame(since: since)) Playing the customer \(context.elapsed(since: since))", .pending)]
        }
        return [Span("Idle", .dim)]
    }

    static func clip(_ line: StyledLine, width: Int) -> StyledLine {
        var used = 0
        var result: StyledLine = []
        for span in line {
            let room = width - used
            guard room > 0 else { break }
            let text = TextWidth.truncate(span.text, to: room)
            used += TextWidth.width(of: text)
            result.append(Span(text, span.role))
        }
        return result
    }
}

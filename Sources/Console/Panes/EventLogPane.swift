import FPSClient

/// The request, response and retry events of the checkout, one per row, newest at the
/// bottom. The events arrive redacted.
enum EventLogPane: Pane {
    static func title(model: ConsoleModel, context: RenderContext) -> String? { "Events" }

    static func titleDetail(model: ConsoleModel, context: RenderContext) -> String? {
        model.state.events.isEmpty ? nil : "\(model.state.events.count)"
    }

    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine] {
        guard height > 0 else { return [] }
        let events = model.state.events
        if events.isEmpty { return [[Span("No requests yet.", .dim)]] }
        return events.suffix(height).map { event in
            let prefix = "\(context.clockTime(event.time)) \(marker(event.kind)) "
            let text = TextWidth.truncate(TextWidth.sanitize(event.text), to: max(0, width - TextWidth.width(of: prefix)))
            return [Span(prefix, .dim), Span(text, role(event.kind))]
        }
    }

    static func marker(_ kind: FPSEvent.Kind) -> String {
        switch kind {
        case .request: return "→"
        case .response: return "←"
        case .retry: return "↻"
        case .failure: return "✗"
        case .info: return "·"
        }
    }

    static func role(_ kind: FPSEvent.Kind) -> Role {
        switch kind {
        case .request, .response, .info: return .text
        case .retry: return .pending
        case .failure: return .failure
        }
    }
}

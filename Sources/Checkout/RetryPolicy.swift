import FPSClient
import Foundation

/// When and how long to wait before sending a money-moving request again.
///
/// The wait before attempt n + 1 is `retryBaseDelay` times 4^(n-1), capped at `maxRetryDelay`,
/// then drawn uniformly from its upper half. The random part keeps several desks that failed
/// together from retrying in step, and the lower bound keeps every wait at least half the
/// nominal one.
struct RetryPolicy: Sendable {
    var maxAttempts: Int
    var baseDelay: Duration
    var maxDelay: Duration

    init(_ configuration: CheckoutConfiguration) {
        maxAttempts = configuration.maxAttempts
        baseDelay = configuration.retryBaseDelay
        maxDelay = configuration.maxRetryDelay
    }

    /// Returns the capped exponential wait after `attempt`, before jitter.
    func nominalDelay(afterAttempt attempt: Int) -> Duration {
        var delay = baseDelay
        for _ in 1..<max(1, attempt) {
            delay *= 4
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }

    /// Returns the wait after `attempt`, with jitter drawn from `generator`.
    func delay<G: RandomNumberGenerator>(afterAttempt attempt: Int, using generator: inout G) -> Duration {
        let nominal = nominalDelay(afterAttempt: attempt)
        let fraction = Double.random(in: 0.5...1.0, using: &generator)
        return nominal * fraction
    }

    func delay(afterAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }

    /// True when `error` leaves it open whether the request took effect: no response, an
    /// unreadable one, or a server-side failure. An FPS error document with a 4xx status,
    /// or a request the client never sent, created no transaction.
    static func outcomeIsUnknown(_ error: FPSError) -> Bool {
        switch error {
        case .transport, .malformedResponse: return true
        case .invalidRequest: return false
        case .service(_, _, _, let status): return status >= 500 || error.isRetryable
        }
    }

    /// Returns a few words on what went wrong, for "waiting 0.8 s after HTTP 503".
    static func shortReason(_ error: FPSError) -> String {
        switch error {
        case .service(let code, _, _, let status): return "HTTP \(status) \(code)"
        case .malformedResponse(let status, _): return "an unreadable HTTP \(status) response"
        case .invalidRequest: return "an invalid request"
        case .transport(let detail):
            return detail.contains("timed out") ? "a timeout" : "a network error"
        }
    }

    /// Returns the busy-step text while waiting, such as "Pay, attempt 2 of 4: waiting 0.8 s after HTTP 503".
    func waitingStep(action: String, nextAttempt: Int, delay: Duration, after error: FPSError) -> String {
        "\(action), attempt \(nextAttempt) of \(maxAttempts): waiting \(Self.seconds(delay)) after \(Self.shortReason(error))"
    }

    /// Seconds with one decimal, such as "0.8 s".
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.1f s", milliseconds / 1000)
    }
}

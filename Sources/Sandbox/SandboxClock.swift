import Foundation

/// The sandbox's business time: the configured clock plus an offset that only moves forward,
/// because stored transactions and their status history assume that time never goes back.
///
/// Token expiry, reserve expiry, pending transitions and every stored time use `now`. Request
/// `Timestamp` and `Expires` checks use `wallClock` instead, because clients sign with their own
/// real clock and would otherwise fail with RequestExpired after every jump of the sandbox clock.
final class SandboxClock: @unchecked Sendable {
    private let base: @Sendable () -> Date
    private let lock = NSLock()
    private var offset: TimeInterval

    init(base: @escaping @Sendable () -> Date, offsetSeconds: TimeInterval) {
        self.base = base
        offset = offsetSeconds
    }

    /// The business time: the configured clock plus the offset.
    var now: Date { lock.withLock { base() + offset } }

    /// The configured clock without the offset.
    var wallClock: Date { base() }

    /// Seconds that `now` is ahead of `wallClock`.
    var offsetSeconds: TimeInterval { lock.withLock { offset } }

    /// Moves business time forward by `seconds` and returns the new time.
    func advance(by seconds: TimeInterval) throws(ClockChangeError) -> Date {
        guard seconds.isFinite, seconds >= 0 else {
            throw ClockChangeError(message: "advance must be a number of seconds of 0 or more; the sandbox clock only moves forward.")
        }
        return lock.withLock {
            offset += seconds
            return base() + offset
        }
    }

    /// Sets business time to `date`, which must not be earlier than the current business time,
    /// and returns it.
    func set(to date: Date) throws(ClockChangeError) -> Date {
        lock.lock()
        defer { lock.unlock() }
        let current = base() + offset
        guard date >= current else {
            throw ClockChangeError(message: "set \(ISO8601Timestamp.format(date)) is earlier than the sandbox time \(ISO8601Timestamp.format(current)); the sandbox clock only moves forward.")
        }
        offset = date.timeIntervalSince(base())
        return date
    }
}

/// A rejected clock change, with the reason.
struct ClockChangeError: Error, Sendable {
    let message: String
}

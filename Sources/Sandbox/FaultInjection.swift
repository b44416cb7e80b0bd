import Foundation

/// Failures the sandbox injects into API requests (path `/`), so clients can test their retry
/// and recovery paths. CBUI, certificate and admin requests are never affected.
///
/// Each API request draws four numbers from a SplitMix64 generator seeded with `seed`, in a
/// fixed order, whatever the fractions are. The same seed and the same sequence of requests
/// therefore inject the same faults, so a failing run replays. Concurrent requests draw in
/// arrival order, which can differ between runs.
public struct SandboxFaults: Sendable, Equatable {
    /// The form a response lost by `dropAfterCommit` takes on the wire.
    public enum DropStyle: String, Sendable, CaseIterable {
        /// The connection closes without any response bytes.
        case closeConnection = "close"
        /// HTTP 500 with an empty body, so the client cannot read a result.
        case emptyInternalError = "empty500"
    }

    /// Fraction (0 to 1) of API requests rejected with HTTP 500 `InternalError` before they run.
    public var error500: Double = 0
    /// Fraction (0 to 1) of API requests rejected with HTTP 503 `ServiceUnavailable` before they run.
    public var error503: Double = 0
    /// Fraction (0 to 1) of API requests that wait `hangSeconds` before they run and respond,
    /// so a client with a shorter timeout gives up while the request still takes effect later.
    /// NOTE: a hanging request blocks its libmicrohttpd worker thread, so other connections on
    /// that worker wait with it. Raise `SandboxConfiguration.threads` when hangs overlap.
    public var hang: Double = 0
    /// How long a hanging request waits, in seconds (0 to 600).
    public var hangSeconds: Double = 30
    /// Delay added to every API request before it runs, in milliseconds (0 to 60,000).
    public var slowMilliseconds: Int = 0
    /// Fraction (0 to 1) of API requests that run and commit, then lose their response: the
    /// client sees no result although the charge happened. Only HTTP 200 responses are dropped,
    /// because an error response means nothing was committed.
    public var dropAfterCommit: Double = 0
    public var dropStyle: DropStyle = .closeConnection
    /// The generator's seed; the same seed replays the same faults.
    public var seed: UInt64 = 0

    public init() {}
}

/// SplitMix64, a small seeded generator whose sequence depends only on its seed. It is not
/// for cryptography: it only picks which requests fail.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Returns a uniform value in [0, 1) from the top 53 bits of the next output.
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}

/// The faults chosen for one API request.
struct FaultDecision: Sendable {
    /// The 1-based position of the request in the generator's sequence since the last (re)seed.
    var draw: UInt64
    var delaySeconds: Double = 0
    /// True when the delay includes a hang of `hangSeconds`.
    var hangs = false
    /// The error returned instead of running the request.
    var error: APIError?
    var dropResponse = false
}

/// The current fault settings, the seeded generator, and the waits of hanging requests.
final class FaultInjector: @unchecked Sendable {
    private let condition = NSCondition()
    private var settings: SandboxFaults
    private var generator: SplitMix64
    private var draws: UInt64 = 0
    private var stopping = false

    init(_ faults: SandboxFaults) {
        settings = faults
        generator = SplitMix64(seed: faults.seed)
    }

    var faults: SandboxFaults { condition.withLock { settings } }

    var drawCount: UInt64 { condition.withLock { draws } }

    /// Replaces the settings and restarts the generator from their seed.
    func replace(with faults: SandboxFaults) {
        condition.withLock {
            settings = faults
            generator = SplitMix64(seed: faults.seed)
            draws = 0
        }
    }

    /// Draws the faults for the next API request.
    func decide() -> FaultDecision {
        condition.withLock {
            let faults = settings
            // All four numbers are drawn every time, so changing one fraction does not shift
            // the sequence the others see.
            let error500Draw = generator.nextUnit()
            let error503Draw = generator.nextUnit()
            let hangDraw = generator.nextUnit()
            let dropDraw = generator.nextUnit()
            draws += 1

            var decision = FaultDecision(draw: draws)
            decision.delaySeconds = Double(faults.slowMilliseconds) / 1000
            if error500Draw < faults.error500 {
                decision.error = .internalError("Injected fault: the sandbox returned HTTP 500 on purpose (fault draw \(draws), seed \(faults.seed)). Retry the request.")
            } else if error503Draw < faults.error503 {
                decision.error = APIError(code: "ServiceUnavailable",
                                          message: "Injected fault: the sandbox is unavailable on purpose (fault draw \(draws), seed \(faults.seed)). Retry the request later.",
                                          httpStatus: 503)
            } else if hangDraw < faults.hang {
                decision.delaySeconds += faults.hangSeconds
                decision.hangs = true
            }
            decision.dropResponse = dropDraw < faults.dropAfterCommit
            return decision
        }
    }

    /// Waits `seconds`, returning early once `interruptWaits` has been called.
    func wait(seconds: Double) {
        guard seconds > 0 else { return }
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !stopping, condition.wait(until: deadline) {}
    }

    /// Ends every current wait and makes later waits return at once, so stopping the server
    /// does not block until hanging requests time out.
    func interruptWaits() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    /// Lets waits run their full time again after a restart.
    func resumeWaits() {
        condition.withLock { stopping = false }
    }
}

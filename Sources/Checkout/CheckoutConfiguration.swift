import FPSClient
import Foundation
import Synchronization

/// Settings of a checkout session besides its collaborators: the FPS endpoints, the caller's
/// credentials, and the retry and polling limits.
public struct CheckoutConfiguration: Sendable {
    public var endpoints: FPSEndpoints
    public var credentials: FPSCredentials
    /// The merchant page the CBUI sends the customer back to. The console never serves it:
    /// the customer's browser shows its address, and the clerk pastes that address back.
    public var returnURL: String
    /// Start of the CBUI `paymentReason` shown to the customer; the order id follows it.
    public var paymentReasonPrefix: String
    /// The desk's name, stored on every order and part of every CallerReference.
    public var desk: String
    /// The clerk recorded with every audit row until an unlock names another one.
    public var clerk: String
    /// Time between two GetTransactionStatus calls while a transaction is Pending.
    public var pollInterval: Duration
    /// Status checks before the session stops polling and leaves the order Pending.
    public var maxPolls: Int
    /// Attempts per money-moving call, the first included, for network errors and HTTP 500/503.
    public var maxAttempts: Int
    /// Wait before the second attempt. Each later wait is four times longer, up to `maxRetryDelay`,
    /// and each is then drawn at random from the upper half of that value.
    public var retryBaseDelay: Duration
    public var maxRetryDelay: Duration
    /// How long a session holds an order's ledger lease while it sends or recovers the order's
    /// calls. Keep it above `maxAttempts` times (request timeout + `maxRetryDelay`). A lease of
    /// a process that no longer runs is taken over at once.
    public var leaseDuration: Duration

    public static let defaultReturnURL = "http://127.0.0.1/fps-checkout/return"

    /// Returns the login name from the `USER` environment variable, or "clerk" when it is unset or empty.
    public static func defaultClerk() -> String {
        let user = ProcessInfo.processInfo.environment["USER"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return user.isEmpty ? "clerk" : user
    }

    public init(endpoints: FPSEndpoints, credentials: FPSCredentials, returnURL: String = defaultReturnURL,
                paymentReasonPrefix: String = "Phone order", desk: String = "desk1", clerk: String = defaultClerk(),
                pollInterval: Duration = .seconds(1), maxPolls: Int = 120, maxAttempts: Int = 4,
                retryBaseDelay: Duration = .milliseconds(250), maxRetryDelay: Duration = .seconds(4),
                leaseDuration: Duration = .seconds(120)) {
        self.endpoints = endpoints
        self.credentials = credentials
        self.returnURL = returnURL
        self.paymentReasonPrefix = paymentReasonPrefix
        self.desk = desk
        self.clerk = clerk
        self.pollInterval = pollInterval
        self.maxPolls = max(1, maxPolls)
        self.maxAttempts = max(1, maxAttempts)
        self.retryBaseDelay = retryBaseDelay
        self.maxRetryDelay = maxRetryDelay
        self.leaseDuration = leaseDuration
    }
}

/// Forwards FPS client events to a receiver connected later.
///
/// The API client takes its event sink at construction, before the session that shows the
/// events exists. Pass `sink` to the client, then `connect` the session's `recordEvent`.
/// Events sent before `connect` are dropped.
public final class FPSEventRelay: Sendable {
    private let receiver = Mutex<FPSEventSink?>(nil)

    public init() {}

    /// The sink to hand to `FPSAPIClient(events:)`.
    public var sink: FPSEventSink {
        { [self] event in
            let target = receiver.withLock { $0 }
            target?(event)
        }
    }

    /// Sends every later event to `target`.
    public func connect(_ target: @escaping FPSEventSink) {
        receiver.withLock { $0 = target }
    }
}

import Foundation

/// The caller's FPS credentials. The secret key never appears in `description`.
public struct FPSCredentials: Sendable, CustomStringConvertible {
    public let accessKeyID: String
    public let secretKey: String

    public init(accessKeyID: String, secretKey: String) {
        self.accessKeyID = accessKeyID
        self.secretKey = secretKey
    }

    public var description: String { "FPSCredentials(accessKeyID: \(accessKeyID), secretKey: \(Redaction.secret(secretKey)))" }
}

/// Where the client sends API calls and CBUI customers, and which certificate URL
/// prefixes it trusts for return-URI signatures.
public struct FPSEndpoints: Sendable, Equatable {
    public var api: URL
    public var cbui: URL
    /// Each entry is a scheme, host, optional port and path prefix ending in `/`.
    public var certificateAllowList: [String]
    /// True for the embedded or a configured local sandbox; drives the SANDBOX badge.
    public var isSandbox: Bool

    public init(api: URL, cbui: URL, certificateAllowList: [String], isSandbox: Bool) {
        self.api = api
        self.cbui = cbui
        self.certificateAllowList = certificateAllowList
        self.isSandbox = isSandbox
    }

    /// Amazon's hosts, kept as configuration only: nothing in this project contacts them.
    public static let amazonCertificatePrefixes = ["https://fps.amazonaws.com/", "https://fps.sandbox.amazonaws.com/"]

    public static let amazonProduction = FPSEndpoints(
        api: URL(string: "https://fps.amazonaws.com/")!,
        cbui: URL(string: "https://authorize.payments.amazon.com/cobranded-ui/actions/start")!,
        certificateAllowList: amazonCertificatePrefixes, isSandbox: false)

    public static let amazonSandbox = FPSEndpoints(
        api: URL(string: "https://fps.sandbox.amazonaws.com/")!,
        cbui: URL(string: "https://authorize.payments-sandbox.amazon.com/cobranded-ui/actions/start")!,
        certificateAllowList: amazonCertificatePrefixes, isSandbox: true)

    /// A local sandbox served over plain HTTP on loopback at `port`. Its own certificate
    /// prefix is trusted next to Amazon's two hosts.
    public static func localSandbox(host: String = "127.0.0.1", port: Int) -> FPSEndpoints {
        let origin = "http://\(host):\(port)"
        return FPSEndpoints(
            api: URL(string: "\(origin)/")!,
            cbui: URL(string: "\(origin)/cobranded-ui/actions/start")!,
            certificateAllowList: amazonCertificatePrefixes + ["\(origin)/fps/certs/"],
            isSandbox: true)
    }
}

/// Shortens secrets for screens, logs and errors: the first four characters and the length.
public enum Redaction {
    public static func secret(_ value: String) -> String {
        value.count <= 8 ? "[redacted]" : "\(value.prefix(4))…[\(value.count) chars]"
    }
}

/// `TransactionStatus` words of API responses; IPNs use the same words in upper case.
public enum TransactionStatus: String, Sendable, CaseIterable {
    case pending = "Pending"
    case success = "Success"
    case failure = "Failure"
    case reserved = "Reserved"
    case cancelled = "Cancelled"

    /// True when no later change can happen without a new action (Settle, Refund).
    public var isFinal: Bool { self != .pending }

    /// Parses the API word or the upper-case IPN word.
    public init?(wire: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(wire) == .orderedSame }) else {
            return nil
        }
        self = match
    }
}

/// The result of Pay, Reserve, Settle, Cancel, Refund and GetTransactionStatus.
public struct TransactionResult: Sendable, Equatable {
    public var transactionID: String
    public var status: TransactionStatus
    /// Finer reason from GetTransactionStatus, such as `PendingNetworkResponse`.
    public var statusCode: String?
    public var statusMessage: String?
    public var callerReference: String?
    public var requestID: String?

    public init(transactionID: String, status: TransactionStatus, statusCode: String? = nil,
                statusMessage: String? = nil, callerReference: String? = nil, requestID: String? = nil) {
        self.transactionID = transactionID
        self.status = status
        self.statusCode = statusCode
        self.statusMessage = statusMessage
        self.callerReference = callerReference
        self.requestID = requestID
    }
}

/// A failed FPS call: the service's error document, a transport failure, or an unreadable response.
public enum FPSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The endpoint returned an error document. No transaction was created.
    case service(code: String, message: String, requestID: String?, httpStatus: Int)
    /// The request may or may not have reached the endpoint (refused, reset, timed out).
    case transport(String)
    /// The endpoint responded, but not with a document this client can decode.
    case malformedResponse(httpStatus: Int, detail: String)
    /// The client refused to send: an argument is invalid.
    case invalidRequest(String)

    public var code: String? {
        if case .service(let code, _, _, _) = self { return code }
        return nil
    }

    /// True for failures worth retrying with the same CallerReference: network errors,
    /// HTTP 500 and 503, `InternalError`, `ServiceUnavailable`, throttling and
    /// `ConcurrentModification`. FPS's own "retriable" flag is wider, but many of its codes
    /// only clear after the buyer acts, so they are not retried automatically.
    public var isRetryable: Bool {
        switch self {
        case .transport: return true
        case .malformedResponse(let status, _): return status == 500 || status == 503
        case .invalidRequest: return false
        case .service(let code, _, _, let status):
            if status == 500 || status == 503 { return true }
            return ["InternalError", "ServiceUnavailable", "Throttling", "ConcurrentModification"].contains(code)
        }
    }

    /// What kind of problem the failure points to, so callers never report a clock problem
    /// as a bad key or an endpoint problem as a bad signature.
    public enum Category: String, Sendable {
        /// The request's Timestamp was outside the endpoint's window: check the clock.
        case clock
        /// The access key or secret key was rejected.
        case credentials
        /// The endpoint is unreachable, overloaded or failing; the same request may succeed later.
        case transient
        /// A business rule or parameter was rejected; resending the same request will fail again.
        case request
    }

    public var category: Category {
        if isRetryable { return .transient }
        switch code {
        case "RequestExpired": return .clock
        case "SignatureDoesNotMatch", "InvalidClientTokenId", "AuthFailure", "InvalidSignature": return .credentials
        default: return .request
        }
    }

    /// One sentence on what to check next, by category.
    public var advice: String {
        switch category {
        case .clock:
            return "The request's timestamp was outside the endpoint's window: check this computer's clock (UTC, NTP-synced); the keys are not the problem."
        case .credentials:
            return "Check the access key id and the secret key configured for this endpoint."
        case .transient:
            return "The endpoint may recover: retry with the same caller reference, which never charges twice."
        case .request:
            return "Resending the same request will fail again; fix the value the message names."
        }
    }

    public var description: String {
        switch self {
        case .service(let code, let message, let requestID, let status):
            return "FPS refused the request: \(code) (HTTP \(status)): \(message)" + (requestID.map { " [request \($0)]" } ?? "")
        case .transport(let detail):
            return "Could not reach the FPS endpoint: \(detail)"
        case .malformedResponse(let status, let detail):
            return "The FPS endpoint sent an unreadable answer (HTTP \(status)): \(detail)"
        case .invalidRequest(let detail):
            return "Request not sent: \(detail)"
        }
    }
}

/// The money-moving and status calls the checkout flow needs. `FPSAPIClient` implements it
/// over HTTP; unit tests of the flow may supply their own.
public protocol FPSActions: Sendable {
    func pay(senderTokenID: String, amount: Money, callerReference: String) async throws(FPSError) -> TransactionResult
    func reserve(senderTokenID: String, amount: Money, callerReference: String) async throws(FPSError) -> TransactionResult
    /// Settles a reserve; `amount` nil settles the full reserved amount.
    func settle(reserveTransactionID: String, amount: Money?) async throws(FPSError) -> TransactionResult
    func getTransactionStatus(transactionID: String) async throws(FPSError) -> TransactionResult
    /// Cancels a Reserved or Pending transaction. Cancel has no CallerReference, so a caller
    /// checks GetTransactionStatus before re-sending one whose response was lost.
    func cancel(transactionID: String, description: String?) async throws(FPSError) -> TransactionResult
    /// Refunds a successful transaction; `amount` nil refunds everything not yet refunded.
    /// Each refund needs its own `callerReference`, reused only to re-send that same refund.
    func refund(transactionID: String, callerReference: String, amount: Money?, callerDescription: String?) async throws(FPSError) -> TransactionResult
}

/// One line for an event log: a request sent or a response received, secrets redacted.
public struct FPSEvent: Sendable {
    public enum Kind: String, Sendable { case request, response, retry, failure, info }
    public let time: Date
    public let kind: Kind
    public let text: String

    public init(time: Date = Date(), kind: Kind, text: String) {
        self.time = time
        self.kind = kind
        self.text = text
    }
}

/// Receives the client's events; the caller decides where they go (a pane, a log file).
/// Libraries here never print or log on their own.
public typealias FPSEventSink = @Sendable (FPSEvent) -> Void

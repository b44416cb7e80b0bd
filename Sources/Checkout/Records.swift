import FPSClient
import Foundation

/// The clerk actions the audit trail records. Raw values are the words stored in the ledger.
public enum AuditAction: String, Sendable, CaseIterable {
    case buildURL = "build_url"
    case verifyReturn = "verify_return"
    case pay
    case reserve
    case settle
    case refund
    case cancel
    /// An intent the session rejected, with the notice the clerk saw as the outcome.
    case refusal
    case lock
    case unlock
    case quit
}

/// One row of the audit trail, for display.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var time: Date
    public var desk: String
    public var clerk: String
    /// The stored action word; `kind` reads it as an `AuditAction`.
    public var action: String
    public var orderID: String?
    public var amount: Money?
    public var outcome: String

    public init(id: Int64, time: Date, desk: String, clerk: String, action: String, orderID: String?, amount: Money?,
                outcome: String) {
        self.id = id
        self.time = time
        self.desk = desk
        self.clerk = clerk
        self.action = action
        self.orderID = orderID
        self.amount = amount
        self.outcome = outcome
    }

    /// The action, or nil for a word this build does not know.
    public var kind: AuditAction? { AuditAction(rawValue: action) }
}

/// One row of the order list.
public struct OrderSummary: Sendable, Equatable {
    public var orderID: String
    public var phase: CheckoutPhase
    public var mode: ChargeMode
    /// The order total, or nil while the order has no lines.
    public var total: Money?
    public var created: Date
    public var updated: Date
    public var desk: String
    public var firstLineDescription: String?
    /// The latest Pay, Reserve, Settle or Cancel transaction; refunds are not listed here.
    public var transactionID: String?
    public var transactionStatus: TransactionStatus?

    /// True for an order still being entered that has no lines, such as one opened by New
    /// order and never used.
    public var isEmptyOrder: Bool { phase == .assembling && firstLineDescription == nil }

    public init(orderID: String, phase: CheckoutPhase, mode: ChargeMode, total: Money?, created: Date, updated: Date,
                desk: String, firstLineDescription: String?, transactionID: String?, transactionStatus: TransactionStatus?) {
        self.orderID = orderID
        self.phase = phase
        self.mode = mode
        self.total = total
        self.created = created
        self.updated = updated
        self.desk = desk
        self.firstLineDescription = firstLineDescription
        self.transactionID = transactionID
        self.transactionStatus = transactionStatus
    }
}

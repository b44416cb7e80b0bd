import Foundation

/// A ledger failure a caller can act on. SQLite failures pass through as `SQLiteError`.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The token id was already recorded, for this order or another. A SingleUse token pays once.
    case tokenAlreadyUsed(orderID: Int64)
    case orderNotFound(Int64)
    case transactionNotFound(String)
    /// The order total does not fit in 64-bit minor units.
    case totalOverflow(orderID: Int64)
    /// The file was written by a newer build whose schema this build does not know.
    case newerSchema(found: Int64, supported: Int64)
    /// The order has no successful Pay or Settle, so there is nothing to refund.
    case nothingCharged(orderID: Int64)
    /// A refund would take the order's refunds above the amount charged. Amounts are minor
    /// units; `alreadyRefundedMinor` counts every refund not known to have failed.
    case refundExceedsCharge(orderID: Int64, requestedMinor: Int64, chargedMinor: Int64, alreadyRefundedMinor: Int64)
    case refundNotFound(Int64)

    public var description: String {
        switch self {
        case .tokenAlreadyUsed(let orderID):
            return "This token was already recorded for order \(orderID); a single-use authorization cannot be used twice."
        case .orderNotFound(let orderID):
            return "Order \(orderID) is not in the ledger."
        case .transactionNotFound(let transactionID):
            return "Transaction \(transactionID) is not in the ledger."
        case .totalOverflow(let orderID):
            return "The total of order \(orderID) is too large to store; remove or correct a line."
        case .newerSchema(let found, let supported):
            return "The ledger file has schema version \(found), but this build supports up to \(supported); use a newer fps-checkout."
        case .nothingCharged(let orderID):
            return "Order \(orderID) has no successful payment or settlement, so nothing can be refunded."
        case .refundExceedsCharge(let orderID, let requested, let charged, let refunded):
            return "A refund of \(requested) minor units on order \(orderID) is more than the \(charged - refunded) left of \(charged) charged (\(refunded) already refunded or in progress)."
        case .refundNotFound(let id):
            return "Refund \(id) is not in the ledger."
        }
    }
}

/// One order as stored. `phase` and `mode` are the checkout's raw values, which the ledger
/// stores without interpreting them.
public struct LedgerOrder: Sendable, Equatable {
    public var id: Int64
    public var created: Date
    public var updated: Date
    public var phase: String
    public var mode: String
    public var currency: String
    /// Sum of the lines in minor units of `currency`, and the only source of the amount charged.
    public var totalMinor: Int64
    /// The CBUI `callerReference` of the order's current authorization request.
    public var callerReference: String
    public var desk: String
}

/// One order line. The line total is `quantity * unitPriceMinor`.
public struct LedgerLine: Sendable, Equatable {
    public var description: String
    public var quantity: Int64
    public var unitPriceMinor: Int64

    public init(description: String, quantity: Int64, unitPriceMinor: Int64) {
        self.description = description
        self.quantity = quantity
        self.unitPriceMinor = unitPriceMinor
    }
}

/// A sender token received on a verified return URI.
public struct LedgerToken: Sendable, Equatable {
    /// The full token id. It is a bearer credential: callers redact it before showing or logging it.
    public var tokenID: String
    public var orderID: Int64
    /// The `callerReference` of the CBUI request that returned the token.
    public var callerReference: String
    /// The CBUI status code, such as `SC`.
    public var statusCode: String
    /// Expiry of the payment instrument (`MM/YYYY`), when the return URI carried one.
    public var expiry: String?
    public var received: Date
}

/// The FPS action that created or changed a transaction row.
public enum LedgerTransactionKind: String, Sendable, CaseIterable {
    case pay
    case reserve
    /// A Settle carries the reserve's transaction id, so it gets its own row under the same id.
    case settle
    /// A Cancel also carries the id of the transaction it cancels, in a row of its own.
    case cancel
}

/// One FPS transaction as last seen.
public struct LedgerTransaction: Sendable, Equatable {
    public var transactionID: String
    public var orderID: Int64
    public var kind: LedgerTransactionKind
    /// The request's CallerReference, or nil for Settle, which has none.
    public var callerReference: String?
    public var amountMinor: Int64
    public var currency: String
    /// The FPS `TransactionStatus` word, such as `Pending`.
    public var status: String
    public var statusCode: String?
    public var updated: Date
}

/// One entry of a transaction's status history, oldest first.
public struct LedgerStatusChange: Sendable, Equatable {
    public var transactionID: String
    public var kind: LedgerTransactionKind
    public var status: String
    public var statusCode: String?
    public var at: Date
}

/// An order with its lines, the token of its current authorization and its latest transaction.
public struct LedgerOrderDetail: Sendable, Equatable {
    public var order: LedgerOrder
    public var lines: [LedgerLine]
    /// The signed CBUI URL of the current authorization request. It contains a signature:
    /// show it to the clerk, never write it to a log.
    public var cbuiURL: String?
    public var token: LedgerToken?
    public var latestTransaction: LedgerTransaction?
    /// The order's refunds, oldest first.
    public var refunds: [LedgerRefund] = []
    /// The sum of the order's successful Pay and Settle amounts, or nil when nothing was charged.
    public var chargedMinor: Int64?
}

/// The state of a refund. `requested` is a refund journaled and maybe sent whose outcome is
/// unknown; re-sending it with the same CallerReference cannot refund twice.
public enum LedgerRefundStatus: String, Sendable, CaseIterable {
    case requested = "Requested"
    /// The endpoint answered with an error document, so no refund transaction exists.
    case rejected = "Rejected"
    case pending = "Pending"
    case success = "Success"
    case failure = "Failure"

    /// True when the refund may still move money, so its amount counts against the charge.
    public var countsAgainstCharge: Bool { self != .rejected && self != .failure }
}

/// One refund of an order, numbered from 1 within the order.
public struct LedgerRefund: Sendable, Equatable {
    public var id: Int64
    public var orderID: Int64
    public var sequence: Int64
    public var callerReference: String
    /// The Pay or Reserve transaction the refund returns money from.
    public var originalTransactionID: String
    public var amountMinor: Int64
    public var currency: String
    /// The refund's own transaction id, once the endpoint returned one.
    public var transactionID: String?
    public var status: LedgerRefundStatus
    public var statusCode: String?
    public var created: Date
    public var updated: Date
}

/// One row of the append-only audit trail.
public struct LedgerAuditRecord: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var desk: String
    public var clerk: String
    /// The checkout's action word, such as `pay` or `lock`.
    public var action: String
    public var orderID: Int64?
    public var amountMinor: Int64?
    public var currency: String?
    public var outcome: String
}

/// An order with the few facts the order list shows, read in one query.
public struct LedgerOrderSummary: Sendable, Equatable {
    public var order: LedgerOrder
    public var firstLineDescription: String?
    /// The order's latest Pay, Reserve, Settle or Cancel row.
    public var transactionID: String?
    public var transactionStatus: String?
}

/// The outcome of a journaled call.
public enum JournalOutcome: String, Sendable {
    /// The endpoint returned a transaction.
    case answered
    /// The endpoint rejected the request, or the call failed after its retries.
    case failed
    /// The process stopped before the outcome was written. A later entry re-sent or
    /// reconciled the call.
    case interrupted
}

/// A money-moving call as written before it was sent, with its outcome once known.
/// An entry with no `finished` time is a call that may or may not have reached the endpoint.
public struct JournalEntry: Sendable, Equatable {
    public var id: Int64
    public var orderID: Int64
    /// The FPS action name, such as `Pay`.
    public var action: String
    public var callerReference: String?
    /// The transaction the call acts on (the reserve, for Settle) or the one it created.
    public var transactionID: String?
    public var amountMinor: Int64?
    public var currency: String?
    /// A readable summary of the request parameters. Callers redact the token id before writing it.
    public var parameters: String
    public var started: Date
    public var finished: Date?
    public var outcome: JournalOutcome?
    public var result: String?
}

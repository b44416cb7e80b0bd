import Foundation
import SQLiteStore

extension Ledger {
    // MARK: Refunds

    /// Returns the sum of the order's successful Pay and Settle amounts, or nil when none succeeded.
    public func chargedMinor(orderID: Int64) throws -> Int64? {
        try database.query("""
            SELECT SUM(amount_minor) AS charged, COUNT(*) AS count FROM transactions
            WHERE order_id = ? AND kind IN ('pay', 'settle') AND status = 'Success'
            """, [.integer(orderID)]
        ).first.flatMap { row in (row.integer("count") ?? 0) > 0 ? row.integer("charged") : nil }
    }

    /// Lists the refunds of an order, oldest first.
    public func refunds(orderID: Int64) throws -> [LedgerRefund] {
        try database.query("SELECT * FROM refunds WHERE order_id = ? ORDER BY sequence", [.integer(orderID)])
            .map(Self.refund(from:))
    }

    /// Returns one refund, or nil when the id is unknown.
    public func refund(_ refundID: Int64) throws -> LedgerRefund? {
        try database.query("SELECT * FROM refunds WHERE id = ?", [.integer(refundID)]).first.map(Self.refund(from:))
    }

    /// Records a new refund in status `requested` and journals its call, in one commit.
    ///
    /// The check against the charge runs under the database write lock, so two sessions
    /// cannot together refund more than was charged. Refunds count unless they were rejected
    /// or failed, because a refund with an unknown outcome may still move money.
    /// `makeCallerReference` receives the refund's sequence number (1 for the order's first
    /// refund); `parameters` receives the reference and returns the journal's request summary.
    /// Throws `LedgerError.nothingCharged` or `LedgerError.refundExceedsCharge`.
    public func beginRefund(orderID: Int64, originalTransactionID: String, amountMinor: Int64, currency: String,
                            makeCallerReference: (Int64) -> String, parameters: (String) -> String,
                            phase: String? = nil) throws -> (refund: LedgerRefund, journalID: Int64) {
        try database.transaction {
            _ = try requireOrder(orderID)
            guard let charged = try chargedMinor(orderID: orderID) else { throw LedgerError.nothingCharged(orderID: orderID) }
            let existing = try refunds(orderID: orderID)
            let committed = existing.filter(\.status.countsAgainstCharge).reduce(Int64(0)) { $0 + $1.amountMinor }
            let (total, overflow) = committed.addingReportingOverflow(amountMinor)
            guard amountMinor > 0, !overflow, total <= charged else {
                throw LedgerError.refundExceedsCharge(orderID: orderID, requestedMinor: amountMinor, chargedMinor: charged,
                                                      alreadyRefundedMinor: committed)
            }
            let sequence = (existing.map(\.sequence).max() ?? 0) + 1
            let reference = makeCallerReference(sequence)
            let now = Self.now()
            try database.run("""
                INSERT INTO refunds (order_id, sequence, caller_reference, original_transaction_id, amount_minor, currency,
                                     status, created, updated)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(orderID), .integer(sequence), .text(reference), .text(originalTransactionID),
                      .integer(amountMinor), .text(currency), .text(LedgerRefundStatus.requested.rawValue),
                      .integer(now), .integer(now)])
            let refundID = database.lastInsertRowID
            let journalID = try insertJournalEntry(orderID: orderID, action: "Refund", callerReference: reference,
                                          transactionID: originalTransactionID, amountMinor: amountMinor, currency: currency,
                                          parameters: parameters(reference), phase: phase)
            guard let refund = try refund(refundID) else { throw LedgerError.refundNotFound(refundID) }
            return (refund, journalID)
        }
    }

    /// Stores a refund's outcome: the transaction id and status the endpoint returned, or
    /// `rejected` with no id when it returned an error document. A status change is also
    /// appended to the transaction status history under kind `refund`. `phase`, when given,
    /// is stored on the order in the same commit.
    public func recordRefundStatus(refundID: Int64, transactionID: String?, status: LedgerRefundStatus,
                                   statusCode: String?, phase: String? = nil) throws {
        try database.transaction {
            guard let previous = try refund(refundID) else { throw LedgerError.refundNotFound(refundID) }
            let now = Self.now()
            try database.run("""
                UPDATE refunds SET transaction_id = COALESCE(?, transaction_id), status = ?, status_code = ?, updated = ?
                WHERE id = ?
                """, [SQLiteValue(transactionID), .text(status.rawValue), SQLiteValue(statusCode), .integer(now),
                      .integer(refundID)])
            let id = transactionID ?? previous.transactionID
            if let id, previous.status != status || previous.statusCode != statusCode || previous.transactionID == nil {
                try database.run("""
                    INSERT INTO transaction_status_history (transaction_id, kind, status, status_code, at) VALUES (?, 'refund', ?, ?, ?)
                    """, [.text(id), .text(status.rawValue), SQLiteValue(statusCode), .integer(now)])
            }
            if let phase { try updateOrder(previous.orderID, set: "phase = ?", [.text(phase)]) }
        }
    }

    static func refund(from row: SQLiteRow) -> LedgerRefund {
        LedgerRefund(id: row.integer("id") ?? 0, orderID: row.integer("order_id") ?? 0, sequence: row.integer("sequence") ?? 0,
                     callerReference: row.text("caller_reference") ?? "",
                     originalTransactionID: row.text("original_transaction_id") ?? "",
                     amountMinor: row.integer("amount_minor") ?? 0, currency: row.text("currency") ?? "",
                     transactionID: row.text("transaction_id"),
                     status: LedgerRefundStatus(rawValue: row.text("status") ?? "") ?? .requested,
                     statusCode: row.text("status_code"), created: date(row.integer("created")),
                     updated: date(row.integer("updated")))
    }
}

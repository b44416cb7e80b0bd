import Foundation
import SQLiteStore

/// The result of trying to take an order's lease.
public enum LeaseClaim: Sendable, Equatable {
    case claimed
    /// Another live session has the order's lease until `until`.
    case heldBy(owner: String, until: Date)
}

extension Ledger {
    // MARK: Order leases

    /// Takes the order's lease for `owner` until `duration` from now, in one atomic update.
    ///
    /// The claim succeeds when the order has no owner, its lease has run out, `owner` already
    /// holds it, or `isOwnerAlive` returns false for the current owner (a process that was
    /// killed cannot renew its lease). The update only matches the owner read before, so two
    /// processes racing for a free order cannot both win.
    public func claimOrder(_ orderID: Int64, owner: String, duration: Duration,
                           isOwnerAlive: (String) -> Bool = { _ in true }) throws -> LeaseClaim {
        let now = Self.now()
        let until = now + duration.milliseconds
        return try database.transaction {
            guard let row = try database.query("SELECT owner, lease_until FROM orders WHERE id = ?", [.integer(orderID)]).first else {
                throw LedgerError.orderNotFound(orderID)
            }
            let current = row.text("owner")
            let currentUntil = row.integer("lease_until") ?? 0
            if let current, current != owner, currentUntil >= now, isOwnerAlive(current) {
                return .heldBy(owner: current, until: Self.date(currentUntil))
            }
            let changed = try database.run("""
                UPDATE orders SET owner = ?, lease_until = ?
                WHERE id = ? AND owner IS ? AND COALESCE(lease_until, 0) = ?
                """, [.text(owner), .integer(until), .integer(orderID), SQLiteValue(current), .integer(currentUntil)])
            // The write lock is held since BEGIN IMMEDIATE, so the row cannot have changed.
            guard changed == 1 else { return .heldBy(owner: current ?? "unknown", until: Self.date(currentUntil)) }
            return .claimed
        }
    }

    /// Gives up the order's lease when `owner` holds it.
    public func releaseOrder(_ orderID: Int64, owner: String) throws {
        try database.transaction {
            _ = try database.run("UPDATE orders SET owner = NULL, lease_until = NULL WHERE id = ? AND owner = ?",
                                 [.integer(orderID), .text(owner)])
        }
    }

    /// Returns the order's lease owner and end, or nil when the order has no owner.
    public func lease(orderID: Int64) throws -> (owner: String, until: Date)? {
        guard let row = try database.query("SELECT owner, lease_until FROM orders WHERE id = ?", [.integer(orderID)]).first,
              let owner = row.text("owner") else { return nil }
        return (owner, Self.date(row.integer("lease_until")))
    }

    // MARK: Finding unfinished work

    /// Lists, oldest first, the orders that may have money in flight: an unfinished journal
    /// entry, a refund whose outcome is unknown or pending, or a phase in `phases` (the
    /// caller's calling and pending phases). `desk` nil lists every desk's orders.
    public func ordersNeedingRecovery(desk: String?, phases: [String]) throws -> [Int64] {
        var bindings: [SQLiteValue] = []
        var phaseCondition = "0"
        if !phases.isEmpty {
            phaseCondition = "o.phase IN (\(Array(repeating: "?", count: phases.count).joined(separator: ", ")))"
            bindings += phases.map { .text($0) }
        }
        var deskCondition = ""
        if let desk {
            deskCondition = "AND o.desk = ?"
            bindings.append(.text(desk))
        }
        return try database.query("""
            SELECT o.id FROM orders o
            WHERE (\(phaseCondition)
                   OR EXISTS (SELECT 1 FROM api_journal j WHERE j.order_id = o.id AND j.finished IS NULL)
                   OR EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id AND r.status IN ('Requested', 'Pending')))
              \(deskCondition)
            ORDER BY o.id
            """, bindings).compactMap { $0.integer("id") }
    }

    /// Returns the token the order received for the CBUI request `callerReference`, or nil.
    public func token(orderID: Int64, callerReference: String) throws -> LedgerToken? {
        try database.query(
            "SELECT * FROM tokens WHERE order_id = ? AND caller_reference = ? ORDER BY received DESC LIMIT 1",
            [.integer(orderID), .text(callerReference)]
        ).first.map(Self.token(from:))
    }

    /// Lists transactions updated since `since` or not yet final, oldest first: the rows a
    /// reconciliation compares with the endpoint. `finalStatuses` are the caller's final words.
    public func transactionsToReconcile(since: Date, finalStatuses: [String]) throws -> [LedgerTransaction] {
        let placeholders = Array(repeating: "?", count: max(1, finalStatuses.count)).joined(separator: ", ")
        let bindings: [SQLiteValue] = [.integer(Int64((since.timeIntervalSince1970 * 1000).rounded()))]
            + (finalStatuses.isEmpty ? [.text("")] : finalStatuses.map { .text($0) })
        return try database.query(
            "SELECT * FROM transactions WHERE updated >= ? OR status NOT IN (\(placeholders)) ORDER BY id", bindings
        ).map(Self.transaction(from:))
    }

    /// Lists refunds with a transaction id that were updated since `since` or are still
    /// Pending, oldest first.
    public func refundsToReconcile(since: Date) throws -> [LedgerRefund] {
        try database.query("""
            SELECT * FROM refunds WHERE transaction_id IS NOT NULL AND (updated >= ? OR status = ?) ORDER BY id
            """, [.integer(Int64((since.timeIntervalSince1970 * 1000).rounded())), .text(LedgerRefundStatus.pending.rawValue)]
        ).map(Self.refund(from:))
    }

    // MARK: Journal entries with an unknown outcome

    /// Writes the intent of a call that re-sends earlier unfinished entries, and closes those
    /// as `interrupted` in the same commit, so at every instant exactly one open entry records that
    /// the request may be in flight. Returns the new entry id.
    public func beginCall(orderID: Int64, action: String, callerReference: String?, transactionID: String?,
                          amountMinor: Int64?, currency: String?, parameters: String, phase: String? = nil,
                          superseding earlier: [Int64]) throws -> Int64 {
        try database.transaction {
            let id = try insertJournalEntry(orderID: orderID, action: action, callerReference: callerReference,
                                            transactionID: transactionID, amountMinor: amountMinor, currency: currency,
                                            parameters: parameters, phase: phase)
            for entry in earlier where entry != id {
                try database.run("""
                    UPDATE api_journal SET finished = ?, outcome = ?, result = ? WHERE id = ? AND finished IS NULL
                    """, [.integer(Self.now()), .text(JournalOutcome.interrupted.rawValue),
                          .text("Superseded by entry \(id), which sends the same request again."), .integer(entry)])
            }
            return id
        }
    }

    /// Stores the latest failure of a call whose outcome is still unknown, leaving it
    /// unfinished so that a restart or a reconciliation resolves it.
    public func noteUnknownOutcome(_ entryID: Int64, result: String, phase: String? = nil, orderID: Int64? = nil) throws {
        try database.transaction {
            _ = try database.run("UPDATE api_journal SET result = ? WHERE id = ? AND finished IS NULL",
                                 [.text(result), .integer(entryID)])
            if let phase, let orderID { try updateOrder(orderID, set: "phase = ?", [.text(phase)]) }
        }
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

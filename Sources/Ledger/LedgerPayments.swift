import Foundation
import SQLiteStore

extension Ledger {
    // MARK: Authorization

    /// Records a signed CBUI URL and makes its `callerReference` the order's current one, so
    /// only a return URI for this request is accepted from now on. The URL contains a
    /// signature: it is stored so the screen can show it again after a restart, never logged.
    public func recordCBUIRequest(orderID: Int64, callerReference: String, url: String, phase: String) throws {
        try database.transaction {
            try database.run("""
                INSERT INTO cbui_requests (order_id, caller_reference, url, created) VALUES (?, ?, ?, ?)
                ON CONFLICT (caller_reference) DO UPDATE SET url = excluded.url
                WHERE cbui_requests.order_id = excluded.order_id
                """, [.integer(orderID), .text(callerReference), .text(url), .integer(Self.now())])
            try updateOrder(orderID, set: "caller_reference = ?, phase = ?", [.text(callerReference), .text(phase)])
        }
    }

    /// Records the sender token of a verified return URI and sets the order's phase.
    ///
    /// Throws `LedgerError.tokenAlreadyUsed` when any order already recorded this token id,
    /// because a return URI can be replayed and a SingleUse token pays only once.
    public func recordToken(orderID: Int64, tokenID: String, callerReference: String, statusCode: String,
                            expiry: String?, phase: String) throws {
        try database.transaction {
            if let owner = try tokenOwner(tokenID) { throw LedgerError.tokenAlreadyUsed(orderID: owner) }
            do {
                try database.run("""
                    INSERT INTO tokens (token_id, order_id, caller_reference, status_code, expiry, received)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, [.text(tokenID), .integer(orderID), .text(callerReference), .text(statusCode),
                          SQLiteValue(expiry), .integer(Self.now())])
            } catch let error as SQLiteError where error.isConstraintViolation {
                // Only the foreign key can fail here, because the unique id was checked above under the write lock.
                throw LedgerError.orderNotFound(orderID)
            }
            try updateOrder(orderID, set: "phase = ?", [.text(phase)])
        }
    }

    /// Returns the order that recorded `tokenID`, or nil when no order has.
    public func tokenOwner(_ tokenID: String) throws -> Int64? {
        try database.query("SELECT order_id FROM tokens WHERE token_id = ?", [.text(tokenID)]).first?.integer("order_id")
    }

    // MARK: Transactions

    /// Records a transaction as returned by the endpoint, or its new status when the row
    /// already exists, and appends to its status history when the status changed.
    /// `phase`, when given, is stored on the order in the same commit.
    public func recordTransaction(orderID: Int64, transactionID: String, kind: LedgerTransactionKind,
                                  callerReference: String?, amountMinor: Int64, currency: String,
                                  status: String, statusCode: String?, phase: String? = nil) throws {
        try database.transaction {
            try writeTransaction(orderID: orderID, transactionID: transactionID, kind: kind, callerReference: callerReference,
                                 amountMinor: amountMinor, currency: currency, status: status, statusCode: statusCode,
                                 phase: phase)
        }
    }

    /// Inserts or updates a transaction row and its history. Call it inside a transaction.
    private func writeTransaction(orderID: Int64, transactionID: String, kind: LedgerTransactionKind,
                                  callerReference: String?, amountMinor: Int64, currency: String,
                                  status: String, statusCode: String?, phase: String?) throws {
        let now = Self.now()
        let existing = try database.query(
            "SELECT status, status_code FROM transactions WHERE transaction_id = ? AND kind = ?",
            [.text(transactionID), .text(kind.rawValue)]
        ).first
        if existing != nil {
            try database.run("""
                UPDATE transactions SET status = ?, status_code = ?, updated = ? WHERE transaction_id = ? AND kind = ?
                """, [.text(status), SQLiteValue(statusCode), .integer(now), .text(transactionID), .text(kind.rawValue)])
        } else {
            try database.run("""
                INSERT INTO transactions (transaction_id, order_id, kind, caller_reference, amount_minor, currency,
                                          status, status_code, updated)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(transactionID), .integer(orderID), .text(kind.rawValue), SQLiteValue(callerReference),
                      .integer(amountMinor), .text(currency), .text(status), SQLiteValue(statusCode), .integer(now)])
        }
        let changed = existing == nil || existing?.text("status") != status || existing?.text("status_code") != statusCode
        if changed {
            try database.run("""
                INSERT INTO transaction_status_history (transaction_id, kind, status, status_code, at) VALUES (?, ?, ?, ?, ?)
                """, [.text(transactionID), .text(kind.rawValue), .text(status), SQLiteValue(statusCode), .integer(now)])
        }
        if let phase { try updateOrder(orderID, set: "phase = ?", [.text(phase)]) }
    }

    /// Stores a new status for a recorded transaction, with the history and phase rules of
    /// `recordTransaction`. Throws `LedgerError.transactionNotFound` when the row does not exist.
    public func updateTransactionStatus(transactionID: String, kind: LedgerTransactionKind, status: String,
                                        statusCode: String?, phase: String? = nil) throws {
        try database.transaction {
            guard let row = try database.query(
                "SELECT * FROM transactions WHERE transaction_id = ? AND kind = ?", [.text(transactionID), .text(kind.rawValue)]
            ).first else {
                throw LedgerError.transactionNotFound(transactionID)
            }
            let stored = Self.transaction(from: row)
            try writeTransaction(orderID: stored.orderID, transactionID: transactionID, kind: kind,
                                  callerReference: stored.callerReference, amountMinor: stored.amountMinor,
                                  currency: stored.currency, status: status, statusCode: statusCode, phase: phase)
        }
    }

    /// Lists the transactions of an order, oldest first.
    public func transactions(orderID: Int64) throws -> [LedgerTransaction] {
        try database.query("SELECT * FROM transactions WHERE order_id = ? ORDER BY id", [.integer(orderID)])
            .map(Self.transaction(from:))
    }

    /// Lists every status a transaction went through, oldest first.
    public func statusHistory(transactionID: String) throws -> [LedgerStatusChange] {
        try database.query(
            "SELECT * FROM transaction_status_history WHERE transaction_id = ? ORDER BY rowid", [.text(transactionID)]
        ).map { row in
            LedgerStatusChange(transactionID: transactionID,
                               kind: LedgerTransactionKind(rawValue: row.text("kind") ?? "") ?? .pay,
                               status: row.text("status") ?? "", statusCode: row.text("status_code"),
                               at: Self.date(row.integer("at")))
        }
    }

    // MARK: API journal

    /// Writes the intent of a money-moving call before it is sent and returns the entry id.
    /// `phase`, when given, is stored on the order in the same commit, so a restart finds the
    /// order in its calling phase exactly when a journal entry may be unfinished.
    public func beginCall(orderID: Int64, action: String, callerReference: String?, transactionID: String?,
                          amountMinor: Int64?, currency: String?, parameters: String, phase: String? = nil) throws -> Int64 {
        try database.transaction {
            try insertJournalEntry(orderID: orderID, action: action, callerReference: callerReference,
                                   transactionID: transactionID, amountMinor: amountMinor, currency: currency,
                                   parameters: parameters, phase: phase)
        }
    }

    /// Inserts a journal entry and stores `phase` when given. Call it inside a transaction.
    func insertJournalEntry(orderID: Int64, action: String, callerReference: String?, transactionID: String?,
                            amountMinor: Int64?, currency: String?, parameters: String, phase: String?) throws -> Int64 {
        try database.run("""
            INSERT INTO api_journal (order_id, action, caller_reference, transaction_id, amount_minor, currency,
                                     parameters, started)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(orderID), .text(action), SQLiteValue(callerReference), SQLiteValue(transactionID),
                  SQLiteValue(amountMinor), SQLiteValue(currency), .text(parameters), .integer(Self.now())])
        let id = database.lastInsertRowID
        if let phase { try updateOrder(orderID, set: "phase = ?", [.text(phase)]) }
        return id
    }

    /// Writes the outcome of a journaled call. `transactionID` fills in the id the call created.
    public func finishCall(_ entryID: Int64, outcome: JournalOutcome, result: String, transactionID: String? = nil) throws {
        try database.transaction {
            _ = try database.run("""
                UPDATE api_journal SET finished = ?, outcome = ?, result = ?, transaction_id = COALESCE(?, transaction_id)
                WHERE id = ?
                """, [.integer(Self.now()), .text(outcome.rawValue), .text(result), SQLiteValue(transactionID), .integer(entryID)])
        }
    }

    /// Lists an order's journal entries, oldest first. `unfinishedOnly` keeps the calls whose
    /// outcome was never written, which a restart must finish or reconcile.
    public func journal(orderID: Int64, unfinishedOnly: Bool = false) throws -> [JournalEntry] {
        let filter = unfinishedOnly ? " AND finished IS NULL" : ""
        return try database.query("SELECT * FROM api_journal WHERE order_id = ?\(filter) ORDER BY id", [.integer(orderID)])
            .map { row in
                JournalEntry(id: row.integer("id") ?? 0, orderID: orderID, action: row.text("action") ?? "",
                             callerReference: row.text("caller_reference"), transactionID: row.text("transaction_id"),
                             amountMinor: row.integer("amount_minor"), currency: row.text("currency"),
                             parameters: row.text("parameters") ?? "", started: Self.date(row.integer("started")),
                             finished: row.integer("finished").map { Self.date($0) },
                             outcome: row.text("outcome").flatMap(JournalOutcome.init(rawValue:)), result: row.text("result"))
            }
    }
}

import Foundation
import FPSClient
import SQLiteStore

/// The payment methods a buyer can pick on the CBUI page, named as FPS's `paymentMethod` values.
enum PaymentMethod: String, CaseIterable, Sendable {
    case creditCard = "CC"
    case bankAccount = "ACH"
    case balance = "ABT"

    /// The CBUI status a successful authorization with this method returns.
    var successStatus: CBUIStatus {
        switch self {
        case .creditCard: return .successCard
        case .bankAccount: return .successBank
        case .balance: return .successBalance
        }
    }

    /// The sandbox's fixed test instrument for this method, as shown on the CBUI page.
    var testInstrument: String {
        switch self {
        case .creditCard: return "Test credit card (Visa ending 1111)"
        case .bankAccount: return "Test bank account (checking ending 6789)"
        case .balance: return "Amazon Payments balance (test account)"
        }
    }
}

/// A signed CBUI SingleUse request that passed validation and waits for the buyer's decision.
struct CBUIRequestRecord: Sendable {
    var requestID: String
    var callerKey: String
    var callerReference: String
    var amount: Money
    var reserve: Bool
    /// The methods the page offers: the requested `paymentMethod` set, only `CC` for a reserve order.
    var offeredMethods: [PaymentMethod]
    var returnURL: String
    var merchantName: String
    var paymentReason: String?
    var createdAt: Date
    var decidedAt: Date?
    var outcome: String?
}

/// A SingleUse sender token minted by an approved CBUI request.
struct TokenRecord: Sendable {
    var tokenID: String
    var callerKey: String
    var callerReference: String
    var cbuiRequestID: String?
    var amount: Money
    var reserve: Bool
    var paymentMethod: PaymentMethod
    /// `MM/YYYY` expiry of the test card; nil for bank and balance tokens.
    var cardExpiry: String?
    var createdAt: Date
    var expiresAt: Date
    var used: Bool
    /// When CancelToken made the token inactive; nil while it is active.
    var cancelledAt: Date? = nil
}

/// The operations that create a transaction in the sandbox, named as IPN `operation` values.
/// Settle and Cancel change an existing transaction in place.
enum TransactionOperation: String, Sendable {
    case pay = "PAY"
    case reserve = "RESERVE"
    case refund = "REFUND"
}

/// A Pay, Reserve or Refund transaction with its current status and any scheduled change.
struct TransactionRecord: Sendable {
    var transactionID: String
    var callerKey: String
    var operation: TransactionOperation
    var callerReference: String
    var tokenID: String
    var paymentMethod: PaymentMethod
    var amount: Money
    var settledAmount: Money?
    var status: TransactionStatus
    var statusCode: String
    /// The status a Pending transaction moves to once `pendingUntil` has passed.
    var pendingTarget: TransactionStatus?
    var pendingUntil: Date?
    /// When an unsettled reservation expires; nil for payments and refunds.
    var reserveExpiresAt: Date?
    /// The Pay or settled Reserve a refund returns money from; nil for other operations.
    var parentTransactionID: String? = nil
    var createdAt: Date
    var updatedAt: Date
}

extension SandboxStore {
    // MARK: CBUI requests

    /// Stores a new CBUI request through the unsynced writer: it records no money, and its row
    /// becomes durable with the decision's commit, which must find it.
    func insert(_ record: CBUIRequestRecord) throws {
        _ = try unsyncedWriter.transaction {
            try unsyncedWriter.run("""
                INSERT INTO cbui_requests (request_id, caller_key, caller_reference, amount_minor, currency, reserve,
                    payment_methods, return_url, merchant_name, payment_reason, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(record.requestID), .text(record.callerKey), .text(record.callerReference),
                      .integer(record.amount.minorUnits), .text(record.amount.currency), .integer(record.reserve ? 1 : 0),
                      .text(record.offeredMethods.map(\.rawValue).joined(separator: ",")), .text(record.returnURL),
                      .text(record.merchantName), SQLiteValue(record.paymentReason), .integer(record.createdAt.milliseconds)])
        }
    }

    func cbuiRequest(id: String) throws -> CBUIRequestRecord? {
        guard let row = try database.query("SELECT * FROM cbui_requests WHERE request_id = ?", [.text(id)]).first else {
            return nil
        }
        let methods = (row.text("payment_methods") ?? "").split(separator: ",").compactMap { PaymentMethod(rawValue: String($0)) }
        return CBUIRequestRecord(
            requestID: row.text("request_id") ?? id,
            callerKey: row.text("caller_key") ?? "",
            callerReference: row.text("caller_reference") ?? "",
            amount: Money(minorUnits: row.integer("amount_minor") ?? 0, currency: row.text("currency") ?? "USD"),
            reserve: row.integer("reserve") == 1,
            offeredMethods: methods,
            returnURL: row.text("return_url") ?? "",
            merchantName: row.text("merchant_name") ?? "",
            paymentReason: row.text("payment_reason"),
            createdAt: Date(milliseconds: row.integer("created_at") ?? 0),
            decidedAt: row.integer("decided_at").map(Date.init(milliseconds:)),
            outcome: row.text("outcome"))
    }

    func markDecided(requestID: String, outcome: CBUIStatus, tokenID: String?, at now: Date) throws {
        try database.run("UPDATE cbui_requests SET decided_at = ?, outcome = ?, token_id = ? WHERE request_id = ?",
                         [.integer(now.milliseconds), .text(outcome.rawValue), SQLiteValue(tokenID), .text(requestID)])
    }

    // MARK: Tokens

    func insert(_ token: TokenRecord) throws {
        try database.run("""
            INSERT INTO tokens (token_id, caller_key, caller_reference, cbui_request_id, amount_minor, currency, reserve,
                payment_method, card_expiry, created_at, expires_at, used)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(token.tokenID), .text(token.callerKey), .text(token.callerReference), SQLiteValue(token.cbuiRequestID),
                  .integer(token.amount.minorUnits), .text(token.amount.currency), .integer(token.reserve ? 1 : 0),
                  .text(token.paymentMethod.rawValue), SQLiteValue(token.cardExpiry), .integer(token.createdAt.milliseconds),
                  .integer(token.expiresAt.milliseconds), .integer(token.used ? 1 : 0)])
    }

    func token(id: String) throws -> TokenRecord? {
        guard let row = try database.query("SELECT * FROM tokens WHERE token_id = ?", [.text(id)]).first else { return nil }
        return TokenRecord(
            tokenID: row.text("token_id") ?? id,
            callerKey: row.text("caller_key") ?? "",
            callerReference: row.text("caller_reference") ?? "",
            cbuiRequestID: row.text("cbui_request_id"),
            amount: Money(minorUnits: row.integer("amount_minor") ?? 0, currency: row.text("currency") ?? "USD"),
            reserve: row.integer("reserve") == 1,
            paymentMethod: PaymentMethod(rawValue: row.text("payment_method") ?? "") ?? .creditCard,
            cardExpiry: row.text("card_expiry"),
            createdAt: Date(milliseconds: row.integer("created_at") ?? 0),
            expiresAt: Date(milliseconds: row.integer("expires_at") ?? 0),
            used: row.integer("used") == 1,
            cancelledAt: row.integer("cancelled_at").map(Date.init(milliseconds:)))
    }

    /// Returns the token minted for a CBUI `callerReference` of this caller, if any.
    func token(callerKey: String, callerReference: String) throws -> TokenRecord? {
        guard let row = try database.query(
            "SELECT token_id FROM tokens WHERE caller_key = ? AND caller_reference = ? ORDER BY created_at DESC LIMIT 1",
            [.text(callerKey), .text(callerReference)]).first, let id = row.text("token_id") else { return nil }
        return try token(id: id)
    }

    /// Returns the `paymentReason` of the CBUI request that minted a token.
    func paymentReason(ofToken token: TokenRecord) throws -> String? {
        guard let requestID = token.cbuiRequestID else { return nil }
        return try cbuiRequest(id: requestID)?.paymentReason
    }

    func markTokenCancelled(_ tokenID: String, at now: Date) throws {
        try database.run("UPDATE tokens SET cancelled_at = ? WHERE token_id = ? AND cancelled_at IS NULL",
                         [.integer(now.milliseconds), .text(tokenID)])
    }

    func hasToken(callerKey: String, callerReference: String) throws -> Bool {
        try !database.query("SELECT 1 AS found FROM tokens WHERE caller_key = ? AND caller_reference = ?",
                            [.text(callerKey), .text(callerReference)]).isEmpty
    }

    func markTokenUsed(_ tokenID: String, by transactionID: String) throws {
        try database.run("UPDATE tokens SET used = 1, used_by_transaction = ? WHERE token_id = ?",
                         [.text(transactionID), .text(tokenID)])
    }

    // MARK: Transactions

    func insert(_ record: TransactionRecord) throws {
        try database.run("""
            INSERT INTO transactions (transaction_id, caller_key, operation, caller_reference, token_id, payment_method,
                amount_minor, currency, settled_amount_minor, status, status_code, pending_target, pending_until,
                reserve_expires_at, parent_transaction_id, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(record.transactionID), .text(record.callerKey), .text(record.operation.rawValue),
                  .text(record.callerReference), .text(record.tokenID), .text(record.paymentMethod.rawValue),
                  .integer(record.amount.minorUnits), .text(record.amount.currency),
                  SQLiteValue(record.settledAmount?.minorUnits), .text(record.status.rawValue), .text(record.statusCode),
                  SQLiteValue(record.pendingTarget?.rawValue), SQLiteValue(record.pendingUntil?.milliseconds),
                  SQLiteValue(record.reserveExpiresAt?.milliseconds), SQLiteValue(record.parentTransactionID),
                  .integer(record.createdAt.milliseconds),
                  .integer(record.updatedAt.milliseconds)])
        try appendHistory(record)
    }

    /// Writes the mutable fields of `record` and appends its status to the history.
    func update(_ record: TransactionRecord) throws {
        try database.run("""
            UPDATE transactions SET settled_amount_minor = ?, status = ?, status_code = ?, pending_target = ?,
                pending_until = ?, updated_at = ? WHERE transaction_id = ?
            """, [SQLiteValue(record.settledAmount?.minorUnits), .text(record.status.rawValue), .text(record.statusCode),
                  SQLiteValue(record.pendingTarget?.rawValue), SQLiteValue(record.pendingUntil?.milliseconds),
                  .integer(record.updatedAt.milliseconds), .text(record.transactionID)])
        try appendHistory(record)
    }

    func transaction(id: String) throws -> TransactionRecord? {
        try transaction(id: id, in: database)
    }

    /// Reads a transaction through a read connection, outside any write transaction.
    func transactionForReading(id: String) throws -> TransactionRecord? {
        try read { reader in try transaction(id: id, in: reader) }
    }

    /// Reads the row by column position, because this read runs on every GetTransactionStatus
    /// request and a row keyed by column name costs a hash insert per column. The indexes below
    /// follow the column order of this SELECT.
    private func transaction(id: String, in connection: SQLiteDatabase) throws -> TransactionRecord? {
        guard let row = try connection.queryRows("""
            SELECT transaction_id, caller_key, operation, caller_reference, token_id, payment_method,
                amount_minor, currency, settled_amount_minor, status, status_code, pending_target, pending_until,
                reserve_expires_at, parent_transaction_id, created_at, updated_at
            FROM transactions WHERE transaction_id = ?
            """, [.text(id)]).first else {
            return nil
        }
        let currency = row[7].text ?? "USD"
        return TransactionRecord(
            transactionID: row[0].text ?? id,
            callerKey: row[1].text ?? "",
            operation: TransactionOperation(rawValue: row[2].text ?? "") ?? .pay,
            callerReference: row[3].text ?? "",
            tokenID: row[4].text ?? "",
            paymentMethod: PaymentMethod(rawValue: row[5].text ?? "") ?? .creditCard,
            amount: Money(minorUnits: row[6].integer ?? 0, currency: currency),
            settledAmount: row[8].integer.map { Money(minorUnits: $0, currency: currency) },
            status: TransactionStatus(rawValue: row[9].text ?? "") ?? .failure,
            statusCode: row[10].text ?? "",
            pendingTarget: row[11].text.flatMap(TransactionStatus.init(rawValue:)),
            pendingUntil: row[12].integer.map(Date.init(milliseconds:)),
            reserveExpiresAt: row[13].integer.map(Date.init(milliseconds:)),
            parentTransactionID: row[14].text,
            createdAt: Date(milliseconds: row[15].integer ?? 0),
            updatedAt: Date(milliseconds: row[16].integer ?? 0))
    }

    /// Returns the sum, in cents, of the refunds of `parentTransactionID` that are Pending or
    /// Success. Failed and cancelled refunds returned nothing, so they do not count.
    func refundedMinorUnits(parentTransactionID: String) throws -> Int64 {
        try database.query("""
            SELECT COALESCE(SUM(amount_minor), 0) AS total FROM transactions
            WHERE parent_transaction_id = ? AND operation = 'REFUND' AND status IN ('Pending', 'Success')
            """, [.text(parentTransactionID)]).first?.integer("total") ?? 0
    }

    /// Returns the ids of the transactions whose CallerReference is `callerReference`, oldest first.
    func transactionIDs(callerKey: String, callerReference: String) throws -> [String] {
        try database.query(
            "SELECT transaction_id FROM transactions WHERE caller_key = ? AND caller_reference = ? ORDER BY created_at, rowid",
            [.text(callerKey), .text(callerReference)]).compactMap { $0.text("transaction_id") }
    }

    /// Returns the status changes of a transaction, oldest first.
    func statusHistory(transactionID: String) throws -> [(status: String, statusCode: String, at: Date)] {
        try database.query("SELECT status, status_code, changed_at FROM status_history WHERE transaction_id = ? ORDER BY id",
                           [.text(transactionID)])
            .map { ($0.text("status") ?? "", $0.text("status_code") ?? "", Date(milliseconds: $0.integer("changed_at") ?? 0)) }
    }

    private func appendHistory(_ record: TransactionRecord) throws {
        try database.run("INSERT INTO status_history (transaction_id, status, status_code, changed_at) VALUES (?, ?, ?, ?)",
                         [.text(record.transactionID), .text(record.status.rawValue), .text(record.statusCode),
                          .integer(record.updatedAt.milliseconds)])
    }

    // MARK: Idempotency

    /// Returns the remembered request for a CallerReference: its action, parameter fingerprint and transaction.
    func idempotencyEntry(callerKey: String, callerReference: String)
        throws -> (action: String, fingerprint: String, transactionID: String, createdAt: Date)? {
        guard let row = try database.query(
            "SELECT action, fingerprint, transaction_id, created_at FROM idempotency WHERE caller_key = ? AND caller_reference = ?",
            [.text(callerKey), .text(callerReference)]).first else { return nil }
        return (row.text("action") ?? "", row.text("fingerprint") ?? "", row.text("transaction_id") ?? "",
                Date(milliseconds: row.integer("created_at") ?? 0))
    }

    func rememberIdempotency(callerKey: String, callerReference: String, action: String, fingerprint: String,
                             transactionID: String, at now: Date) throws {
        try database.run("""
            INSERT OR REPLACE INTO idempotency (caller_key, caller_reference, action, fingerprint, transaction_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, [.text(callerKey), .text(callerReference), .text(action), .text(fingerprint), .text(transactionID),
                  .integer(now.milliseconds)])
    }
}

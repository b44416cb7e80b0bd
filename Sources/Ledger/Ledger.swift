import Foundation
import SQLiteStore

/// The durable record of orders, authorizations, transactions and money-moving calls.
///
/// Every write runs in one SQLite transaction and returns after the commit reached the disk
/// (WAL mode with `synchronous=FULL`). Several `Ledger` instances, in one process or several,
/// may share a file: writes take the database write lock up front and wait for each other.
public final class Ledger: Sendable {
    let database: SQLiteDatabase

    /// Opens or creates the ledger file at `path` and brings its schema up to date.
    public init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try LedgerSchema.migrate(database)
    }

    /// The file's schema version after opening.
    public func schemaVersion() throws -> Int64 {
        try database.query("SELECT version FROM schema_version").first?.integer("version") ?? 0
    }

    // MARK: Orders

    /// Creates an order with no lines.
    ///
    /// `makeCallerReference` receives the new order id and returns the order's first CBUI
    /// `callerReference`, so a reference can contain the id and still be stored with the row.
    public func createOrder(desk: String, phase: String, mode: String, currency: String,
                            makeCallerReference: (Int64) -> String) throws -> LedgerOrder {
        let now = Self.now()
        return try database.transaction {
            // A unique placeholder fills the NOT NULL UNIQUE column until the id is known.
            let placeholder = "creating-\(UUID().uuidString)"
            try database.run("""
                INSERT INTO orders (created, updated, phase, mode, currency, total_minor, caller_reference, desk)
                VALUES (?, ?, ?, ?, ?, 0, ?, ?)
                """, [.integer(now), .integer(now), .text(phase), .text(mode), .text(currency), .text(placeholder), .text(desk)])
            let id = database.lastInsertRowID
            try database.run("UPDATE orders SET caller_reference = ? WHERE id = ?", [.text(makeCallerReference(id)), .integer(id)])
            return try requireOrder(id)
        }
    }

    /// Replaces all lines of an order and stores the new total, and `phase` when given, in one commit.
    public func replaceLines(orderID: Int64, lines: [LedgerLine], phase: String? = nil) throws {
        var total: Int64 = 0
        for line in lines {
            let (lineTotal, productOverflow) = line.unitPriceMinor.multipliedReportingOverflow(by: line.quantity)
            let (sum, sumOverflow) = total.addingReportingOverflow(lineTotal)
            if productOverflow || sumOverflow { throw LedgerError.totalOverflow(orderID: orderID) }
            total = sum
        }
        try database.transaction {
            _ = try requireOrder(orderID)
            try database.run("DELETE FROM order_lines WHERE order_id = ?", [.integer(orderID)])
            for (position, line) in lines.enumerated() {
                try database.run("""
                    INSERT INTO order_lines (order_id, position, description, quantity, unit_price_minor)
                    VALUES (?, ?, ?, ?, ?)
                    """, [.integer(orderID), .integer(Int64(position)), .text(line.description),
                          .integer(line.quantity), .integer(line.unitPriceMinor)])
            }
            try updateOrder(orderID, set: "total_minor = ?", [.integer(total)])
            if let phase { try updateOrder(orderID, set: "phase = ?", [.text(phase)]) }
        }
    }

    /// Stores the order's phase.
    public func setPhase(orderID: Int64, phase: String) throws {
        try database.transaction { try updateOrder(orderID, set: "phase = ?", [.text(phase)]) }
    }

    /// Stores the order's charge mode, and `phase` when given, in one commit.
    public func setMode(orderID: Int64, mode: String, phase: String? = nil) throws {
        try database.transaction {
            try updateOrder(orderID, set: "mode = ?", [.text(mode)])
            if let phase { try updateOrder(orderID, set: "phase = ?", [.text(phase)]) }
        }
    }

    /// Returns one order, or nil when the id is unknown.
    public func order(_ orderID: Int64) throws -> LedgerOrder? {
        try database.query("SELECT * FROM orders WHERE id = ?", [.integer(orderID)]).first.map(Self.order(from:))
    }

    /// Lists orders, most recently created first, optionally only those of one desk or in
    /// one of `phases`.
    public func listOrders(phases: [String]? = nil, desk: String? = nil, limit: Int = 200) throws -> [LedgerOrder] {
        var conditions: [String] = []
        var bindings: [SQLiteValue] = []
        if let phases {
            if phases.isEmpty { return [] }
            conditions.append("phase IN (\(Array(repeating: "?", count: phases.count).joined(separator: ", ")))")
            bindings += phases.map { .text($0) }
        }
        if let desk {
            conditions.append("desk = ?")
            bindings.append(.text(desk))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        bindings.append(.integer(Int64(limit)))
        return try database.query("SELECT * FROM orders \(filter) ORDER BY created DESC, id DESC LIMIT ?", bindings)
            .map(Self.order(from:))
    }

    /// Loads an order with its lines, current CBUI URL, current token and latest transaction.
    public func loadOrder(_ orderID: Int64) throws -> LedgerOrderDetail {
        // One read transaction, so the parts come from the same commit.
        try database.transaction {
            let order = try requireOrder(orderID)
            let lines = try database.query(
                "SELECT * FROM order_lines WHERE order_id = ? ORDER BY position", [.integer(orderID)]
            ).map { row in
                LedgerLine(description: row.text("description") ?? "", quantity: row.integer("quantity") ?? 0,
                           unitPriceMinor: row.integer("unit_price_minor") ?? 0)
            }
            let url = try database.query(
                "SELECT url FROM cbui_requests WHERE order_id = ? AND caller_reference = ?",
                [.integer(orderID), .text(order.callerReference)]
            ).first?.text("url")
            let token = try database.query(
                "SELECT * FROM tokens WHERE order_id = ? AND caller_reference = ? ORDER BY received DESC LIMIT 1",
                [.integer(orderID), .text(order.callerReference)]
            ).first.map(Self.token(from:))
            let transaction = try database.query(
                "SELECT * FROM transactions WHERE order_id = ? ORDER BY id DESC LIMIT 1", [.integer(orderID)]
            ).first.map(Self.transaction(from:))
            return LedgerOrderDetail(order: order, lines: lines, cbuiURL: url, token: token, latestTransaction: transaction,
                                     refunds: try refunds(orderID: orderID), chargedMinor: try chargedMinor(orderID: orderID))
        }
    }

    // MARK: Shared helpers

    func requireOrder(_ orderID: Int64) throws -> LedgerOrder {
        guard let order = try order(orderID) else { throw LedgerError.orderNotFound(orderID) }
        return order
    }

    /// Updates columns of one order and its `updated` time. Call it inside a transaction.
    func updateOrder(_ orderID: Int64, set assignments: String, _ bindings: [SQLiteValue]) throws {
        let changed = try database.run("UPDATE orders SET \(assignments), updated = ? WHERE id = ?",
                                       bindings + [.integer(Self.now()), .integer(orderID)])
        if changed == 0 { throw LedgerError.orderNotFound(orderID) }
    }

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    static func date(_ milliseconds: Int64?) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds ?? 0) / 1000)
    }

    static func order(from row: SQLiteRow) -> LedgerOrder {
        LedgerOrder(id: row.integer("id") ?? 0, created: date(row.integer("created")), updated: date(row.integer("updated")),
                    phase: row.text("phase") ?? "", mode: row.text("mode") ?? "", currency: row.text("currency") ?? "",
                    totalMinor: row.integer("total_minor") ?? 0, callerReference: row.text("caller_reference") ?? "",
                    desk: row.text("desk") ?? "")
    }

    static func token(from row: SQLiteRow) -> LedgerToken {
        LedgerToken(tokenID: row.text("token_id") ?? "", orderID: row.integer("order_id") ?? 0,
                    callerReference: row.text("caller_reference") ?? "", statusCode: row.text("status_code") ?? "",
                    expiry: row.text("expiry"), received: date(row.integer("received")))
    }

    static func transaction(from row: SQLiteRow) -> LedgerTransaction {
        LedgerTransaction(transactionID: row.text("transaction_id") ?? "", orderID: row.integer("order_id") ?? 0,
                          kind: LedgerTransactionKind(rawValue: row.text("kind") ?? "") ?? .pay,
                          callerReference: row.text("caller_reference"), amountMinor: row.integer("amount_minor") ?? 0,
                          currency: row.text("currency") ?? "", status: row.text("status") ?? "",
                          statusCode: row.text("status_code"), updated: date(row.integer("updated")))
    }
}

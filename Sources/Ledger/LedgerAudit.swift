import Foundation
import SQLiteStore

extension Ledger {
    // MARK: Audit trail

    /// Appends one audit row. The table has no update or delete path: triggers make SQLite
    /// reject both, so a row, once committed, stays as written.
    public func appendAudit(desk: String, clerk: String, action: String, orderID: Int64?, amountMinor: Int64?,
                            currency: String?, outcome: String) throws {
        try database.transaction {
            _ = try database.run("""
                INSERT INTO audit (at, desk, clerk, action, order_id, amount_minor, currency, outcome)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(Self.now()), .text(desk), .text(clerk), .text(action), SQLiteValue(orderID),
                      SQLiteValue(amountMinor), SQLiteValue(currency), .text(outcome)])
        }
    }

    /// Lists the latest `limit` audit rows, newest first.
    public func auditTrail(limit: Int = 200) throws -> [LedgerAuditRecord] {
        try database.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [.integer(Int64(max(0, limit)))]).map { row in
            LedgerAuditRecord(id: row.integer("id") ?? 0, at: Self.date(row.integer("at")), desk: row.text("desk") ?? "",
                              clerk: row.text("clerk") ?? "", action: row.text("action") ?? "",
                              orderID: row.integer("order_id"), amountMinor: row.integer("amount_minor"),
                              currency: row.text("currency"), outcome: row.text("outcome") ?? "")
        }
    }

    // MARK: Order list

    /// Lists orders for the order list, most recently updated first, in one query.
    ///
    /// `phases` keeps orders in those phases. `search` keeps orders whose id, any line
    /// description, or any transaction or refund id contains it. The match ignores case for
    /// ASCII letters only, because SQLite's LIKE folds no other letters.
    public func orderSummaries(phases: [String]? = nil, search: String? = nil, limit: Int = 500) throws -> [LedgerOrderSummary] {
        var conditions: [String] = []
        var bindings: [SQLiteValue] = []
        if let phases {
            if phases.isEmpty { return [] }
            conditions.append("o.phase IN (\(Array(repeating: "?", count: phases.count).joined(separator: ", ")))")
            bindings += phases.map { .text($0) }
        }
        let term = search?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !term.isEmpty {
            let pattern = "%" + Self.escapeLike(term) + "%"
            conditions.append("""
                (CAST(o.id AS TEXT) LIKE ? ESCAPE '\\'
                 OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.description LIKE ? ESCAPE '\\')
                 OR EXISTS (SELECT 1 FROM transactions s WHERE s.order_id = o.id AND s.transaction_id LIKE ? ESCAPE '\\')
                 OR EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id AND r.transaction_id LIKE ? ESCAPE '\\'))
                """)
            bindings += Array(repeating: .text(pattern), count: 4)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        bindings.append(.integer(Int64(max(0, limit))))
        // The latest transaction comes from the (order_id, id) index, one lookup per listed row.
        let rows = try database.query("""
            SELECT o.*,
                   (SELECT description FROM order_lines l WHERE l.order_id = o.id ORDER BY position LIMIT 1) AS first_line,
                   t.transaction_id AS latest_transaction_id, t.status AS latest_status
            FROM orders o
            LEFT JOIN transactions t ON t.id = (SELECT MAX(id) FROM transactions x WHERE x.order_id = o.id)
            \(filter)
            ORDER BY o.updated DESC, o.id DESC
            LIMIT ?
            """, bindings)
        return rows.map { row in
            LedgerOrderSummary(order: Self.order(from: row), firstLineDescription: row.text("first_line"),
                               transactionID: row.text("latest_transaction_id"), transactionStatus: row.text("latest_status"))
        }
    }

    /// Escapes `%`, `_` and the escape character itself for a LIKE pattern with ESCAPE '\'.
    static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

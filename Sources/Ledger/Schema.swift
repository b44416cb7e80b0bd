import SQLiteStore

/// The ledger's tables, as numbered migrations. Migration `n` moves the file from schema
/// version `n` to `n + 1`. A file is never migrated backwards, and old migrations never change.
enum LedgerSchema {
    static let migrations: [String] = [
        // Version 1. Times are milliseconds since 1970 (UTC), amounts are integer minor units.
        """
        CREATE TABLE orders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            phase TEXT NOT NULL,
            mode TEXT NOT NULL,
            currency TEXT NOT NULL,
            total_minor INTEGER NOT NULL DEFAULT 0,
            caller_reference TEXT NOT NULL UNIQUE,
            desk TEXT NOT NULL
        );
        CREATE INDEX orders_by_desk_phase ON orders (desk, phase, created);

        CREATE TABLE order_lines (
            order_id INTEGER NOT NULL REFERENCES orders (id),
            position INTEGER NOT NULL,
            description TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor > 0),
            PRIMARY KEY (order_id, position)
        );

        CREATE TABLE cbui_requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            order_id INTEGER NOT NULL REFERENCES orders (id),
            caller_reference TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            created INTEGER NOT NULL
        );

        CREATE TABLE tokens (
            token_id TEXT NOT NULL UNIQUE,
            order_id INTEGER NOT NULL REFERENCES orders (id),
            caller_reference TEXT NOT NULL,
            status_code TEXT NOT NULL,
            expiry TEXT,
            received INTEGER NOT NULL
        );

        CREATE TABLE transactions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            transaction_id TEXT NOT NULL,
            order_id INTEGER NOT NULL REFERENCES orders (id),
            kind TEXT NOT NULL,
            caller_reference TEXT,
            amount_minor INTEGER NOT NULL,
            currency TEXT NOT NULL,
            status TEXT NOT NULL,
            status_code TEXT,
            updated INTEGER NOT NULL,
            UNIQUE (transaction_id, kind)
        );

        CREATE TABLE transaction_status_history (
            transaction_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            status_code TEXT,
            at INTEGER NOT NULL
        );

        CREATE TABLE api_journal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            order_id INTEGER NOT NULL REFERENCES orders (id),
            action TEXT NOT NULL,
            caller_reference TEXT,
            transaction_id TEXT,
            amount_minor INTEGER,
            currency TEXT,
            parameters TEXT NOT NULL,
            started INTEGER NOT NULL,
            finished INTEGER,
            outcome TEXT,
            result TEXT
        );
        CREATE INDEX api_journal_unfinished ON api_journal (order_id, finished);
        """,
        // Version 2: refunds, the audit trail, and indexes for the order list.
        """
        CREATE INDEX orders_by_updated ON orders (updated);
        CREATE INDEX orders_by_phase_updated ON orders (phase, updated);
        CREATE INDEX transactions_by_order ON transactions (order_id, id);

        -- A refund row exists from the moment the refund is journaled, before FPS assigns a
        -- transaction id, so its sequence number and CallerReference survive a lost response.
        CREATE TABLE refunds (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            order_id INTEGER NOT NULL REFERENCES orders (id),
            sequence INTEGER NOT NULL CHECK (sequence > 0),
            caller_reference TEXT NOT NULL UNIQUE,
            original_transaction_id TEXT NOT NULL,
            amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
            currency TEXT NOT NULL,
            transaction_id TEXT,
            status TEXT NOT NULL,
            status_code TEXT,
            created INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            UNIQUE (order_id, sequence)
        );
        CREATE INDEX refunds_by_transaction ON refunds (transaction_id);

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            desk TEXT NOT NULL,
            clerk TEXT NOT NULL,
            action TEXT NOT NULL,
            order_id INTEGER,
            amount_minor INTEGER,
            currency TEXT,
            outcome TEXT NOT NULL
        );
        CREATE TRIGGER audit_rejects_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: UPDATE is not allowed'); END;
        CREATE TRIGGER audit_rejects_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: DELETE is not allowed'); END;
        """,
        // Version 3: order leases for recovery across processes, and unique payment references.
        """
        -- The session that resumes an order's interrupted calls holds it until lease_until
        -- (milliseconds since 1970), so two processes never re-send the same intent at once.
        ALTER TABLE orders ADD COLUMN owner TEXT;
        ALTER TABLE orders ADD COLUMN lease_until INTEGER;

        -- A Pay or Reserve reference creates one transaction at the endpoint, so the ledger
        -- refuses a second row with it. Settle and Cancel rows have no reference.
        CREATE UNIQUE INDEX transactions_unique_reference ON transactions (caller_reference)
            WHERE caller_reference IS NOT NULL;
        CREATE UNIQUE INDEX refunds_unique_transaction ON refunds (transaction_id)
            WHERE transaction_id IS NOT NULL;
        CREATE INDEX api_journal_by_finished ON api_journal (finished, order_id);
        """,
    ]

    /// The schema version a file has after every migration ran.
    static var currentVersion: Int64 { Int64(migrations.count) }

    /// Applies the migrations the file lacks, inside one write transaction, so two processes
    /// opening a new file at the same time cannot both create the tables.
    static func migrate(_ database: SQLiteDatabase) throws {
        try database.transaction {
            try database.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            let rows = try database.query("SELECT version FROM schema_version")
            let version = rows.first?.integer("version") ?? 0
            if rows.isEmpty { try database.run("INSERT INTO schema_version (version) VALUES (0)") }
            guard version <= currentVersion else {
                throw LedgerError.newerSchema(found: version, supported: currentVersion)
            }
            for index in Int(version)..<migrations.count {
                try database.execute(migrations[index])
                try database.run("UPDATE schema_version SET version = ?", [.integer(Int64(index + 1))])
            }
        }
    }
}

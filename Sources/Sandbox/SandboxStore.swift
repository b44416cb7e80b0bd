import Foundation
import SQLiteStore
import Synchronization

/// The sandbox's durable state in one SQLite file.
///
/// Times are stored as integer milliseconds since 1970 (UTC). Every write that belongs to one
/// API call or CBUI decision runs inside one `BEGIN IMMEDIATE` transaction, and the database
/// runs with `synchronous=FULL`, so a response is only sent after its rows are on disk.
final class SandboxStore: Sendable {
    /// The connection every write and every read inside a write goes through.
    let database: SQLiteDatabase
    /// Idle read-only connections for reads outside any write transaction. Each worker thread
    /// takes its own, and WAL lets those reads run while the write connection commits.
    private let readers = Mutex<[SQLiteDatabase]>([])
    /// A second write connection with `synchronous=NORMAL`, for rows that record no money and
    /// no authorization: the CBUI request a buyer has not answered yet. Its commits reach the
    /// WAL file without an fsync of their own, and the next durable commit on `database`
    /// syncs that same file, so they become durable with it. A killed process loses nothing,
    /// because the rows are already written to the file. Only a power loss or OS crash before
    /// the next durable commit can drop such a row, and the buyer then starts again from the
    /// merchant's link.
    let unsyncedWriter: SQLiteDatabase
    /// Secret keys by access key id, filled on first use. Every signed request needs its
    /// caller's secret, and a read transaction costs several file-lock system calls.
    /// NOTE: only `registerCaller` updates this cache, so a caller row written by another
    /// process to the same file is seen only for access keys this process has not cached yet.
    private let callerSecrets = Mutex<[String: String]>([:])

    init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        unsyncedWriter = try SQLiteDatabase(path: path)
        // Files written before refunds and token cancellation lack two columns. They are added
        // before the schema runs, because the schema's index on the new column needs it.
        try addColumnIfMissing(table: "tokens", column: "cancelled_at", type: "INTEGER")
        try addColumnIfMissing(table: "transactions", column: "parent_transaction_id", type: "TEXT")
        try database.execute(Self.schema)
        try unsyncedWriter.execute("PRAGMA synchronous=NORMAL")
    }

    /// Adds a nullable column to a table that already exists without it; does nothing for a new file.
    private func addColumnIfMissing(table: String, column: String, type: String) throws {
        let columns = try database.query("PRAGMA table_info(\(table))").compactMap { $0.text("name") }
        guard !columns.isEmpty, !columns.contains(column) else { return }
        try database.execute("ALTER TABLE \(table) ADD COLUMN \(column) \(type)")
    }

    private static let schema = """
        CREATE TABLE IF NOT EXISTS callers (
            access_key_id TEXT PRIMARY KEY,
            secret_key TEXT NOT NULL,
            description TEXT,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS signing_keys (
            directory TEXT PRIMARY KEY,
            private_key_pem TEXT NOT NULL,
            certificate_pem TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS cbui_requests (
            request_id TEXT PRIMARY KEY,
            caller_key TEXT NOT NULL,
            caller_reference TEXT NOT NULL,
            amount_minor INTEGER NOT NULL,
            currency TEXT NOT NULL,
            reserve INTEGER NOT NULL,
            payment_methods TEXT NOT NULL,
            return_url TEXT NOT NULL,
            merchant_name TEXT NOT NULL,
            payment_reason TEXT,
            created_at INTEGER NOT NULL,
            decided_at INTEGER,
            outcome TEXT,
            token_id TEXT
        );
        CREATE TABLE IF NOT EXISTS tokens (
            token_id TEXT PRIMARY KEY,
            caller_key TEXT NOT NULL,
            caller_reference TEXT NOT NULL,
            cbui_request_id TEXT,
            amount_minor INTEGER NOT NULL,
            currency TEXT NOT NULL,
            reserve INTEGER NOT NULL,
            payment_method TEXT NOT NULL,
            card_expiry TEXT,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used INTEGER NOT NULL DEFAULT 0,
            used_by_transaction TEXT,
            cancelled_at INTEGER
        );
        CREATE INDEX IF NOT EXISTS tokens_by_reference ON tokens (caller_key, caller_reference);
        CREATE TABLE IF NOT EXISTS transactions (
            transaction_id TEXT PRIMARY KEY,
            caller_key TEXT NOT NULL,
            operation TEXT NOT NULL,
            caller_reference TEXT NOT NULL,
            token_id TEXT NOT NULL,
            payment_method TEXT NOT NULL,
            amount_minor INTEGER NOT NULL,
            currency TEXT NOT NULL,
            settled_amount_minor INTEGER,
            status TEXT NOT NULL,
            status_code TEXT NOT NULL,
            pending_target TEXT,
            pending_until INTEGER,
            reserve_expires_at INTEGER,
            parent_transaction_id TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS transactions_by_parent ON transactions (parent_transaction_id);
        CREATE TABLE IF NOT EXISTS status_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            transaction_id TEXT NOT NULL,
            status TEXT NOT NULL,
            status_code TEXT NOT NULL,
            changed_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS idempotency (
            caller_key TEXT NOT NULL,
            caller_reference TEXT NOT NULL,
            action TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            transaction_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (caller_key, caller_reference)
        );
        """

    // MARK: Callers

    func registerCaller(accessKeyID: String, secretKey: String, description: String?, now: Date) throws {
        _ = try database.transaction {
            try database.run("""
                INSERT INTO callers (access_key_id, secret_key, description, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (access_key_id) DO UPDATE SET secret_key = excluded.secret_key, description = excluded.description
                """, [.text(accessKeyID), .text(secretKey), SQLiteValue(description), .integer(now.milliseconds)])
        }
        // Set after the commit. A concurrent lookup that read the old row cannot overwrite the
        // new secret, because lookups only add keys that are missing.
        callerSecrets.withLock { $0[accessKeyID] = secretKey }
    }

    func secretKey(forCaller accessKeyID: String) throws -> String? {
        if let cached = callerSecrets.withLock({ $0[accessKeyID] }) { return cached }
        let stored = try read { reader in
            try reader.query("SELECT secret_key FROM callers WHERE access_key_id = ?", [.text(accessKeyID)])
                .first?.text("secret_key")
        }
        // Unknown keys are not cached, so a flood of made-up access keys cannot grow the cache.
        if let stored {
            callerSecrets.withLock { secrets in
                if secrets[accessKeyID] == nil { secrets[accessKeyID] = stored }
            }
        }
        return stored
    }

    // MARK: Read connections

    /// Runs `body` with a read connection of its own, opened on first need and kept for reuse.
    ///
    /// Each read sees the rows committed before it started, as WAL guarantees, so it must not
    /// be used for a read that a following write in the same transaction depends on. The
    /// number of connections grows to the number of threads that read at once.
    func read<T>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        let reader = try readers.withLock { $0.popLast() } ?? SQLiteDatabase(path: database.path)
        defer { readers.withLock { $0.append(reader) } }
        return try body(reader)
    }

    // MARK: Signing key

    /// Returns the newest stored signing identity, generating and storing one when there is none.
    func loadOrCreateSigningIdentity(now: Date) throws -> SigningIdentity {
        if let row = try database.query(
            "SELECT directory, private_key_pem, certificate_pem FROM signing_keys ORDER BY created_at DESC LIMIT 1").first,
            let directory = row.text("directory"), let key = row.text("private_key_pem"), let certificate = row.text("certificate_pem") {
            return try SigningIdentity(privateKeyPEM: key, certificatePEM: certificate, directory: directory)
        }
        let identity = try SigningIdentity.generate(now: now)
        _ = try database.transaction {
            try database.run("""
                INSERT OR REPLACE INTO signing_keys (directory, private_key_pem, certificate_pem, created_at) VALUES (?, ?, ?, ?)
                """, [.text(identity.directory), .text(identity.privateKeyPEM), .text(identity.certificatePEM), .integer(now.milliseconds)])
        }
        return identity
    }
}

extension Date {
    /// Milliseconds since 1970, the unit of every time column in the sandbox database.
    var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

import CSQLite
import Foundation
import Synchronization

/// A value bound to or read from an SQLite statement.
public enum SQLiteValue: Equatable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    case null
    case integer(Int64)
    case text(String)

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }

    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    public init(_ value: Int) { self = .integer(Int64(value)) }

    public var text: String? {
        switch self {
        case .text(let value): return value
        case .integer(let value): return String(value)
        case .null: return nil
        }
    }

    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .text(let value): return Int64(value)
        case .null: return nil
        }
    }
}

/// One result row; columns are read by name.
public struct SQLiteRow: Sendable {
    public let columns: [String: SQLiteValue]

    public subscript(_ name: String) -> SQLiteValue { columns[name] ?? .null }
    public func text(_ name: String) -> String? { self[name].text }
    public func integer(_ name: String) -> Int64? { self[name].integer }
}

/// An SQLite failure with the library's result code and message and the statement that failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let statement: String

    public var description: String {
        "SQLite error \(code) (\(message)) while running: \(statement.prefix(120))"
    }

    /// True when the failure is a constraint violation, such as a duplicate unique key.
    public var isConstraintViolation: Bool { code & 0xFF == SQLITE_CONSTRAINT }
}

/// A connection to one SQLite file in WAL mode.
///
/// All access goes through one lock, so the connection can be shared across tasks and
/// threads (the sandbox's libmicrohttpd threads, the console's network tasks). Several
/// processes may open the same file: WAL mode and a busy timeout let them take turns.
public final class SQLiteDatabase: @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSRecursiveLock()
    private var statements: [String: OpaquePointer] = [:]
    public let path: String

    /// Opens or creates the database at `path` and switches it to WAL mode.
    /// `synchronous=FULL` makes each commit durable before it returns, because ledger and
    /// sandbox rows record money.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 10_000) throws {
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &connection, flags, nil)
        guard result == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let connection { sqlite3_close_v2(connection) }
            throw SQLiteError(code: result, message: message, statement: "open \(path)")
        }
        self.handle = connection
        self.path = path
        sqlite3_busy_timeout(connection, busyTimeoutMilliseconds)
        try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that take no parameters and return no rows.
    public func execute(_ sql: String) throws {
        try lock.withLock {
            var errorMessage: UnsafeMutablePointer<CChar>?
            let result = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
            if result != SQLITE_OK {
                let message = errorMessage.map { String(cString: $0) } ?? "unknown error"
                sqlite3_free(errorMessage)
                throw SQLiteError(code: result, message: message, statement: sql)
            }
        }
    }

    /// Runs one statement with positional `?` bindings and returns the number of changed rows.
    @discardableResult
    public func run(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> Int {
        try lock.withLock {
            _ = try step(sql, bindings, readRow: { (_: OpaquePointer) in () })
            return Int(sqlite3_changes(handle))
        }
    }

    /// Runs one query with positional `?` bindings and returns every row.
    public func query(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [SQLiteRow] {
        try lock.withLock { try step(sql, bindings, readRow: Self.namedRow) }
    }

    /// Runs one query with positional `?` bindings and returns every row as its column values in
    /// the order the statement selects them.
    ///
    /// Suits hot paths, because `query` builds a dictionary keyed by column name for each row,
    /// which costs one hash insert per column and one hash lookup per read.
    public func queryRows(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try lock.withLock { try step(sql, bindings, readRow: Self.positionalRow) }
    }

    /// The rowid of the last row this connection inserted.
    public var lastInsertRowID: Int64 {
        lock.withLock { sqlite3_last_insert_rowid(handle) }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE ... COMMIT`, rolling back when it throws.
    /// IMMEDIATE takes the write lock up front, so two processes never both read and then
    /// fail to upgrade.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock {
            try execute("BEGIN IMMEDIATE")
            do {
                let value = try body()
                try execute("COMMIT")
                return value
            } catch {
                try? execute("ROLLBACK")
                throw error
            }
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else {
            throw SQLiteError(code: result, message: String(cString: sqlite3_errmsg(handle)), statement: sql)
        }
        statements[sql] = statement
        return statement
    }

    /// Binds `bindings`, steps `sql` to the end and returns `readRow` of each row.
    private func step<Row>(_ sql: String, _ bindings: [SQLiteValue], readRow: (OpaquePointer) -> Row) throws -> [Row] {
        let statement = try prepared(sql)
        // Reset before returning, so no statement keeps a read transaction open.
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: sqlite3_bind_null(statement, index)
            case .integer(let number): sqlite3_bind_int64(statement, index, number)
            case .text(let text): sqlite3_bind_text(statement, index, text, -1, fps_sqlite_transient())
            }
        }
        var rows: [Row] = []
        while true {
            let result = sqlite3_step(statement)
            if result == SQLITE_DONE { break }
            guard result == SQLITE_ROW else {
                throw SQLiteError(code: result, message: String(cString: sqlite3_errmsg(handle)), statement: sql)
            }
            rows.append(readRow(statement))
        }
        return rows
    }

    private static func namedRow(_ statement: OpaquePointer) -> SQLiteRow {
        let count = sqlite3_column_count(statement)
        var columns = [String: SQLiteValue](minimumCapacity: Int(count))
        for column in 0..<count {
            columns[String(cString: sqlite3_column_name(statement, column))] = value(statement, column)
        }
        return SQLiteRow(columns: columns)
    }

    private static func positionalRow(_ statement: OpaquePointer) -> [SQLiteValue] {
        let count = sqlite3_column_count(statement)
        var values: [SQLiteValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count { values.append(value(statement, column)) }
        return values
    }

    private static func value(_ statement: OpaquePointer, _ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL:
            return .null
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, column))
        default:
            // The byte count comes from SQLite, so the text needs no strlen. It is read after
            // sqlite3_column_text, because that call may convert the value and change its size.
            guard let text = sqlite3_column_text(statement, column) else { return .null }
            let count = Int(sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        }
    }
}

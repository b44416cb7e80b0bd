import Foundation
import Sandbox
import SQLiteStore
import Testing

/// A temporary folder with a sandbox process, a shared ledger file, and headless clerks
/// (`fps-checkout drive`) started as separate processes against them.
final class ReliabilityRig: @unchecked Sendable {
    let directory: URL
    let binary: String
    let faults: String
    private(set) var sandbox: ChildProcess?
    private(set) var port: UInt16 = 0
    private var sandboxStarts = 0

    var ledgerPath: String { directory.appendingPathComponent("ledger.sqlite").path }
    var sandboxDataPath: String { directory.appendingPathComponent("sandbox.sqlite").path }

    init(faults: String) throws {
        binary = try fpsCheckoutBinary()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("reliability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.faults = faults
    }

    deinit {
        sandbox?.killAndReap()
        try? FileManager.default.removeItem(at: directory)
    }

    private var environment: [String: String] {
        [
            "HOME": directory.path, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
            "FPS_ACCESS_KEY_ID": SandboxServer.demoAccessKeyID,
            // The demo key is public test data that only the local sandbox accepts.
            "FPS_SECRET_KEY": SandboxServer.demoSecretKey,
        ]
    }

    // MARK: Sandbox process

    /// Starts `fps-checkout sandbox` on a free port the first time and on the same port after,
    /// and waits until it listens.
    func startSandbox() async throws {
        sandboxStarts += 1
        let output = directory.appendingPathComponent("sandbox-\(sandboxStarts).out").path
        // A restart may find the port still held for a moment, so starting is tried a few times.
        for _ in 0..<20 {
            let process = try ChildProcess(
                [binary, "sandbox", "--port", String(port), "--data", sandboxDataPath, "--faults", faults, "--threads", "8"],
                environment: environment, stdoutPath: output,
                stderrPath: directory.appendingPathComponent("sandbox.err").path)
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if let found = Self.listeningPort(in: process.output) {
                    port = found
                    sandbox = process
                    return
                }
                if process.poll() != nil { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            process.killAndReap()
            try await Task.sleep(for: .milliseconds(250))
        }
        throw ChildProcessError("The sandbox did not start on port \(port); see \(directory.path)/sandbox.err")
    }

    /// Stops the sandbox with SIGTERM, waits for it, and starts it again on the same data file and port.
    func restartSandbox() async throws {
        guard let sandbox else { return }
        sandbox.kill(SIGTERM)
        guard await sandbox.wait(timeout: .seconds(20)) != nil else {
            sandbox.killAndReap()
            throw ChildProcessError("The sandbox did not stop within 20 s of SIGTERM.")
        }
        try await startSandbox()
    }

    func stopSandbox() async {
        sandbox?.kill(SIGTERM)
        if await sandbox?.wait(timeout: .seconds(20)) == nil { sandbox?.killAndReap() }
        sandbox = nil
    }

    private static func listeningPort(in output: String) -> UInt16? {
        guard let range = output.range(of: "listening on http://127.0.0.1:") else { return nil }
        return UInt16(output[range.upperBound...].prefix { $0.isNumber })
    }

    // MARK: Headless clerks

    /// Starts `fps-checkout drive` for `desk` until it has `orders` finished orders.
    func startDrive(desk: String, orders: Int, seed: UInt64, mix: String = "pay,reserve") throws -> ChildProcess {
        try ChildProcess(
            [binary, "drive", "--orders", String(orders), "--mix", mix, "--seed", String(seed), "--desk", desk,
             "--ledger", ledgerPath, "--endpoint", "http://127.0.0.1:\(port)/",
             "--max-attempts", "5", "--retry-base-ms", "5", "--max-retry-ms", "80", "--poll-ms", "20",
             "--timeout", "1", "--stall-seconds", "60", "--verbose"],
            environment: environment,
            stdoutPath: directory.appendingPathComponent("drive-\(desk).out").path,
            stderrPath: directory.appendingPathComponent("drive-\(desk).err").path)
    }

    /// Runs a clerk to completion and returns its exit code, or nil when it ran past `timeout`.
    func runDrive(desk: String, orders: Int, seed: UInt64, timeout: Duration = .seconds(120)) async throws -> Int32? {
        let process = try startDrive(desk: desk, orders: orders, seed: seed)
        let code = await process.wait(timeout: timeout)
        if code == nil { process.killAndReap() }
        return code
    }

    /// Returns the size in bytes of a clerk's stderr log so far.
    func driveLogSize(desk: String) -> UInt64 {
        let path = directory.appendingPathComponent("drive-\(desk).err").path
        return ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64) ?? 0
    }

    /// Counts the Pay, Reserve and Settle requests a clerk logged after byte `offset` of its stderr.
    func moneyRequests(desk: String, since offset: UInt64) -> Int {
        guard let handle = FileHandle(forReadingAtPath: directory.appendingPathComponent("drive-\(desk).err").path) else { return 0 }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").filter {
            $0.hasPrefix("request: Pay ") || $0.hasPrefix("request: Reserve ") || $0.hasPrefix("request: Settle ")
        }.count
    }

    /// Counts the "Recovered …" notices in a clerk's stderr: starts that found open requests.
    func recoveryNotices(desk: String) -> Int {
        let text = (try? String(contentsOfFile: directory.appendingPathComponent("drive-\(desk).err").path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.hasPrefix("notice") && $0.contains("): Recovered ") }.count
    }

    /// Returns the last lines of a clerk's stderr, for failure messages.
    func driveLog(desk: String, lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: directory.appendingPathComponent("drive-\(desk).err").path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    // MARK: Checking the ledger against the sandbox

    /// Compares the ledger with the sandbox's own database and returns every problem found.
    /// A problem is an order with a money call that is not final or has an open journal entry,
    /// more than one charge or reserve per order, amounts that differ, or a sandbox transaction
    /// missing from the ledger.
    func audit() throws -> LedgerAudit {
        let ledger = try SQLiteDatabase(path: ledgerPath)
        let sandbox = try SQLiteDatabase(path: sandboxDataPath)
        var audit = LedgerAudit()

        let sandboxRows = try sandbox.query(
            "SELECT transaction_id, operation, caller_reference, amount_minor, settled_amount_minor, status FROM transactions WHERE operation IN ('PAY', 'RESERVE')")
        var sandboxByReference: [String: [SQLiteRow]] = [:]
        for row in sandboxRows { sandboxByReference[row.text("caller_reference") ?? "", default: []].append(row) }
        audit.sandboxCharges = sandboxRows.count

        let orders = try ledger.query("SELECT id, phase, total_minor, desk FROM orders ORDER BY id")
        var knownTransactionIDs: Set<String> = []
        for order in orders {
            let id = order.integer("id") ?? 0
            let phase = order.text("phase") ?? ""
            let total = order.integer("total_minor") ?? 0
            let journal = try ledger.query("SELECT finished FROM api_journal WHERE order_id = ?", [.integer(id)])
            let open = journal.filter { $0.integer("finished") == nil }.count
            let references = try ledger.query("SELECT caller_reference FROM cbui_requests WHERE order_id = ?", [.integer(id)])
                .compactMap { $0.text("caller_reference") }
            let charges = references.flatMap { reference in
                (sandboxByReference[reference + "-pay"] ?? []) + (sandboxByReference[reference + "-reserve"] ?? [])
            }
            let ledgerCharges = try ledger.query(
                "SELECT transaction_id, amount_minor, status FROM transactions WHERE order_id = ? AND kind IN ('pay', 'reserve')",
                [.integer(id)])
            let settles = try ledger.query(
                "SELECT transaction_id, amount_minor, status FROM transactions WHERE order_id = ? AND kind = 'settle'", [.integer(id)])
            for row in ledgerCharges { knownTransactionIDs.insert(row.text("transaction_id") ?? "") }

            guard !journal.isEmpty || !charges.isEmpty else { continue }
            audit.ordersWithCalls += 1
            if !["succeeded", "failed", "cancelled"].contains(phase) {
                audit.problems.append("order \(id) is \(phase), not final")
            }
            if open > 0 { audit.problems.append("order \(id) has \(open) open journal entries") }
            if charges.count > 1 {
                audit.problems.append("order \(id) has \(charges.count) charges or reserves in the sandbox")
            }
            if phase == "succeeded" && charges.count != 1 {
                audit.problems.append("order \(id) succeeded with \(charges.count) sandbox charges")
            }
            if ledgerCharges.count != charges.count {
                audit.problems.append("order \(id) has \(ledgerCharges.count) ledger charges but \(charges.count) in the sandbox")
            }
            if let charge = charges.first {
                let sandboxID = charge.text("transaction_id") ?? ""
                if ledgerCharges.first?.text("transaction_id") != sandboxID {
                    audit.problems.append("order \(id): the sandbox charge \(sandboxID) is not the ledger's")
                }
                if charge.integer("amount_minor") != total || ledgerCharges.first?.integer("amount_minor") != total {
                    audit.problems.append("order \(id): amounts differ (order \(total), sandbox \(charge.integer("amount_minor") ?? -1), ledger \(ledgerCharges.first?.integer("amount_minor") ?? -1))")
                }
                if charge.text("operation") == "RESERVE", phase == "succeeded" {
                    if settles.count != 1 { audit.problems.append("order \(id) succeeded with \(settles.count) settle rows") }
                    if charge.integer("settled_amount_minor") != settles.first?.integer("amount_minor") {
                        audit.problems.append("order \(id): settled amounts differ (sandbox \(charge.integer("settled_amount_minor") ?? -1), ledger \(settles.first?.integer("amount_minor") ?? -1))")
                    }
                }
                if phase == "succeeded", charge.text("status") != "Success" {
                    audit.problems.append("order \(id) succeeded but the sandbox has \(charge.text("status") ?? "?")")
                }
            }
            if phase == "succeeded" { audit.succeeded += 1 }
        }
        for row in sandboxRows where !knownTransactionIDs.contains(row.text("transaction_id") ?? "") {
            audit.problems.append("sandbox transaction \(row.text("transaction_id") ?? "?") (\(row.text("caller_reference") ?? "?")) is not in the ledger")
        }
        let duplicateIDs = try ledger.query("""
            SELECT transaction_id, COUNT(DISTINCT order_id) AS orders FROM transactions GROUP BY transaction_id HAVING orders > 1
            """)
        for row in duplicateIDs {
            audit.problems.append("transaction \(row.text("transaction_id") ?? "?") belongs to \(row.integer("orders") ?? 0) orders")
        }
        return audit
    }
}

/// The result of comparing the ledger with the sandbox.
struct LedgerAudit {
    var ordersWithCalls = 0
    var succeeded = 0
    var sandboxCharges = 0
    var problems: [String] = []

    var summary: String {
        "\(ordersWithCalls) orders with money calls, \(succeeded) succeeded, \(sandboxCharges) sandbox charges; problems: "
            + (problems.isEmpty ? "none" : problems.prefix(20).joined(separator: "; "))
    }
}

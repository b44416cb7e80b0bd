import Foundation
import SQLiteStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Exactly-once Pay through the real console. The `fps-checkout` binary in tmux is killed with
/// SIGKILL at a seeded moment after the clerk confirms a Pay. A second console on the same
/// ledger and the same sandbox process must then finish the order with exactly one charge.
///
/// The sandbox runs as its own process (`fps-checkout sandbox`), so it outlives the killed
/// console, and it drops half of its API responses after committing them, so some kills land
/// while the console is re-sending a Pay whose response was lost.
@Suite(.serialized)
struct ConsoleCrashTests {
    /// Master seed of the kill delays, prices and fault seeds. Set CONSOLE_CRASH_SEED to replay another run.
    static let masterSeed = UInt64(ProcessInfo.processInfo.environment["CONSOLE_CRASH_SEED"] ?? "") ?? 20_261_204
    static let iterations = 8

    @Test func killedConsoleChargesOnce() async throws {
        let rig = try CrashRig()
        defer { rig.stop() }
        let started = ContinuousClock.now
        var generator = CrashSeedGenerator(seed: Self.masterSeed)
        var outcomes: [String: Int] = [:]

        for iteration in 0..<Self.iterations {
            let seed = generator.next()
            let delayMilliseconds = Int(seed % 301)
            // 1.00 to 99.99, so each order has its own amount on screen and in the sandbox.
            let cents = 100 + Int((seed >> 16) % 9_900)
            let price = "\(cents / 100).\(String(format: "%02d", cents % 100))"
            let context = "iteration \(iteration), seed \(seed), kill \(delayMilliseconds) ms after y, price \(price) (master seed \(Self.masterSeed); set CONSOLE_CRASH_SEED to replay)"

            let outcome: RestartOutcome
            do {
                outcome = try await Self.runIteration(rig: rig, iteration: iteration, seed: seed,
                                                      delayMilliseconds: delayMilliseconds, price: price)
            } catch {
                Issue.record("\(context): \(error)")
                break
            }
            outcomes[outcome.kind, default: 0] += 1

            let check = try rig.checkOrder(outcome.orderID, price: price)
            for problem in check {
                Issue.record("\(context): \(problem)")
            }
            if !check.isEmpty { break }
        }

        let doubleCharged = try rig.doubleChargedReferences()
        #expect(doubleCharged.isEmpty, "caller references with more than one Pay in the sandbox: \(doubleCharged) (master seed \(Self.masterSeed))")
        let summary = outcomes.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ")
        print("console crash test: \(Self.iterations) iterations (\(summary)), master seed \(Self.masterSeed), in \(ContinuousClock.now - started)")
    }

    /// Authorizes one order in a first console, confirms its Pay, kills that console, and lets
    /// a second console finish the order. Returns what the second console found.
    static func runIteration(rig: CrashRig, iteration: Int, seed: UInt64, delayMilliseconds: Int,
                             price: String) async throws -> RestartOutcome {
        // A new sandbox process per iteration, so each iteration has its own fault sequence.
        try await rig.startSandbox(faults: "dropAfterCommit=0.5,seed=\(seed)")
        defer { rig.stopSandbox() }

        let first = try await rig.startConsole(logName: "console-\(iteration)-first.log")
        try await first.enterLine("Crash order \(iteration)", quantity: "1", price: price)
        try first.tmux.send("F2")
        let awaiting = try await first.tmux.waitFor(text: "Awaiting return URI")
        guard let url = ConsoleUnderTest.cbuiURL(onScreen: awaiting) else {
            throw TmuxError("no CBUI URL on the screen:\n\(awaiting)")
        }
        // F8 plays the customer only for the embedded sandbox, so the approval goes through
        // the sandbox's payment page over HTTP and the clerk pastes the return URI.
        let returnURI = try await Browser.approve(cbuiURL: url)
        try first.tmux.paste(returnURI)
        try first.tmux.send("Enter")
        try await first.tmux.waitFor("the authorized order") { $0.contains("Authorized") && $0.contains("Return URI verified") }
        let orderID = try rig.authorizedOrderID()

        try first.tmux.send("F5")
        try await first.tmux.waitFor(text: "Pay USD \(price) on SANDBOX? (y/N)")
        let pid = try first.consolePID()
        try first.tmux.send("y")
        try await Task.sleep(for: .milliseconds(delayMilliseconds))
        guard kill(pid, SIGKILL) == 0 else {
            throw TmuxError("kill(\(pid), SIGKILL) failed with errno \(errno); the console ended before the kill")
        }
        try await first.waitUntilReaped(pid)
        first.tmux.close()

        // What the killed console left in the ledger decides what the next console must show.
        let left = try rig.ledgerState(orderID: orderID)
        let second = try await rig.startConsole(logName: "console-\(iteration)-second.log")
        defer { second.tmux.close() }
        let outcome: RestartOutcome
        if left.openCalls > 0 {
            // A Pay without a recorded outcome: recovery re-sends it with the same reference.
            let screen = try await second.tmux.waitFor("the recovery notice for order \(orderID) (ledger phase \(left.phase))") {
                $0.contains("Recovered ")
            }
            #expect(screen.contains("order \(orderID) Pay → Success"), "the recovery notice does not name the Pay of order \(orderID):\n\(screen)")
            try await second.tmux.waitFor(text: "│  Succeeded  │")
            outcome = RestartOutcome(kind: "recovered", orderID: orderID)
        } else if left.phase == "authorized" {
            // The kill came before the Pay was journaled, so nothing was sent: the clerk pays again.
            try await second.tmux.waitFor("the authorized order \(orderID)") { $0.contains("│  Authorized  │") }
            try second.tmux.send("F5")
            try await second.tmux.waitFor(text: "Pay USD \(price) on SANDBOX? (y/N)")
            try second.tmux.send("y")
            try await second.tmux.waitFor(text: "Paid USD \(price)")
            outcome = RestartOutcome(kind: "paid after restart", orderID: orderID)
        } else if left.phase == "succeeded" {
            // The first console recorded the outcome before it died, so the next one starts a new order.
            try await second.tmux.waitFor(text: "Entering order")
            outcome = RestartOutcome(kind: "finished before kill", orderID: orderID)
        } else {
            throw TmuxError("the killed console left order \(orderID) in phase \(left.phase) with no open call, so nothing can finish it")
        }
        try await rig.waitForPhase("succeeded", orderID: orderID)
        return outcome
    }
}

/// What the second console found for the order the first one was paying.
struct RestartOutcome {
    let kind: String
    let orderID: Int64
}

/// A temporary folder with one ledger and one sandbox data file shared by every console and
/// sandbox process of the test, so an order's caller reference is never reused.
final class CrashRig: @unchecked Sendable {
    let directory: URL
    private var sandbox: pid_t?
    private var port: UInt16 = 0
    private var sandboxStarts = 0

    var ledgerPath: String { directory.appendingPathComponent("ledger.sqlite").path }
    var sandboxDataPath: String { directory.appendingPathComponent("sandbox.sqlite").path }
    var secretKeyPath: String { directory.appendingPathComponent("secret-key").path }
    private var accessKeyID = ""

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("console-crash-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Stops the sandbox and removes the folder. Each console stops its own tmux server.
    func stop() {
        stopSandbox()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Sandbox process

    /// Starts `fps-checkout sandbox` on a free loopback port with `faults`, waits until it
    /// listens, and stores the demo credentials it prints, the secret key in a file of mode 600.
    func startSandbox(faults: String) async throws {
        sandboxStarts += 1
        let output = directory.appendingPathComponent("sandbox-\(sandboxStarts).out").path
        let errors = directory.appendingPathComponent("sandbox-\(sandboxStarts).err").path
        let binary = try ConsoleUnderTest.binaryPath()
        let pid = try spawnDetached([binary, "sandbox", "--port", "0", "--data", sandboxDataPath, "--faults", faults],
                                    environment: ["HOME=\(directory.path)", "PATH=/usr/bin:/bin", "LANG=C.UTF-8"],
                                    stdoutPath: output, stderrPath: errors)
        sandbox = pid
        // The first start generates the sandbox's RSA key, which takes seconds on a loaded machine.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let found = Self.value(after: "listening on http://127.0.0.1:", in: text).flatMap({ UInt16($0.prefix { $0.isNumber }) }),
               let keyID = Self.value(after: "FPS_ACCESS_KEY_ID=", in: text),
               let secret = Self.value(after: "FPS_SECRET_KEY=", in: text) {
                port = found
                accessKeyID = keyID
                guard FileManager.default.createFile(atPath: secretKeyPath, contents: Data(secret.utf8),
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw TmuxError("the secret key file \(secretKeyPath) could not be written")
                }
                return
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                sandbox = nil
                throw TmuxError("the sandbox exited with wait status \(status) before listening; see \(errors)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        stopSandbox()
        throw TmuxError("the sandbox did not listen within 60 s; see \(errors)")
    }

    /// Stops the sandbox with SIGTERM, or SIGKILL after 10 s, and reaps it.
    func stopSandbox() {
        guard let pid = sandbox else { return }
        sandbox = nil
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    /// Returns the rest of the line after `marker`, trimmed, or nil when the line is not complete yet.
    private static func value(after marker: String, in text: String) -> String? {
        guard let range = text.range(of: marker) else { return nil }
        let rest = text[range.upperBound...]
        guard let end = rest.firstIndex(of: "\n") else { return nil }
        return rest[..<end].trimmingCharacters(in: .whitespaces)
    }

    // MARK: Consoles

    /// Starts a console in tmux on the shared ledger, talking to the sandbox process.
    func startConsole(logName: String) async throws -> ConsoleUnderTest {
        let environment = "FPS_ENDPOINT=http://127.0.0.1:\(port)/ FPS_ACCESS_KEY_ID=\(accessKeyID) FPS_SECRET_KEY_FILE=\(secretKeyPath)"
        return try await ConsoleUnderTest.start(
            extraArguments: "--desk crash --log-file \(directory.appendingPathComponent(logName).path)",
            environment: environment, ledgerPath: ledgerPath)
    }

    // MARK: Ledger and sandbox checks

    /// Returns the id of the ledger's only authorized order, which the first console is about to pay.
    func authorizedOrderID() throws -> Int64 {
        let rows = try SQLiteDatabase(path: ledgerPath).query("SELECT id FROM orders WHERE phase = 'authorized'")
        guard rows.count == 1, let id = rows.first?.integer("id") else {
            throw TmuxError("expected one authorized order in the ledger, found \(rows.count)")
        }
        return id
    }

    /// Returns an order's phase and its number of calls with no recorded outcome.
    func ledgerState(orderID: Int64) throws -> (phase: String, openCalls: Int) {
        let ledger = try SQLiteDatabase(path: ledgerPath)
        let phase = try ledger.query("SELECT phase FROM orders WHERE id = ?", [.integer(orderID)]).first?.text("phase") ?? "missing"
        let open = try ledger.query("SELECT id FROM api_journal WHERE order_id = ? AND finished IS NULL", [.integer(orderID)]).count
        return (phase, open)
    }

    /// Polls the ledger until the order reaches `phase`, for up to 20 s.
    func waitForPhase(_ phase: String, orderID: Int64) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        var last = ""
        while ContinuousClock.now < deadline {
            last = try ledgerState(orderID: orderID).phase
            if last == phase { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TmuxError("order \(orderID) is still \(last) in the ledger after 20 s, not \(phase)")
    }

    /// Compares one order in the ledger with the sandbox's own database and returns every
    /// problem found: not succeeded, an open call, other than one Pay in the sandbox for its
    /// reference, or a ledger charge that differs from the sandbox's.
    func checkOrder(_ orderID: Int64, price: String) throws -> [String] {
        let ledger = try SQLiteDatabase(path: ledgerPath)
        let sandbox = try SQLiteDatabase(path: sandboxDataPath)
        var problems: [String] = []

        let state = try ledgerState(orderID: orderID)
        if state.phase != "succeeded" { problems.append("order \(orderID) is \(state.phase) in the ledger, not succeeded") }
        if state.openCalls != 0 { problems.append("order \(orderID) has \(state.openCalls) open journal entries") }

        guard let reference = try ledger.query("SELECT caller_reference FROM cbui_requests WHERE order_id = ?", [.integer(orderID)])
            .first?.text("caller_reference") else {
            return problems + ["order \(orderID) has no CBUI request in the ledger"]
        }
        let payReference = reference + "-pay"
        let charges = try sandbox.query(
            "SELECT transaction_id, operation, amount_minor, status FROM transactions WHERE caller_reference IN (?, ?)",
            [.text(payReference), .text(reference + "-reserve")])
        if charges.count != 1 {
            problems.append("the sandbox has \(charges.count) charges for caller reference \(payReference), not 1")
        }
        let ledgerCharges = try ledger.query(
            "SELECT transaction_id, amount_minor FROM transactions WHERE order_id = ? AND kind IN ('pay', 'reserve')", [.integer(orderID)])
        if ledgerCharges.count != 1 {
            problems.append("the ledger has \(ledgerCharges.count) charges for order \(orderID), not 1")
        }
        if let charge = charges.first {
            let expectedMinor = Int64(price.replacingOccurrences(of: ".", with: ""))
            if charge.text("operation") != "PAY" { problems.append("the sandbox charge is a \(charge.text("operation") ?? "?"), not a PAY") }
            if charge.text("status") != "Success" { problems.append("the sandbox charge is \(charge.text("status") ?? "?"), not Success") }
            if charge.integer("amount_minor") != expectedMinor {
                problems.append("the sandbox charged \(charge.integer("amount_minor") ?? -1) minor units, not \(price)")
            }
            if let ledgerCharge = ledgerCharges.first, ledgerCharge.text("transaction_id") != charge.text("transaction_id") {
                problems.append("the ledger records transaction \(ledgerCharge.text("transaction_id") ?? "?") but the sandbox charged \(charge.text("transaction_id") ?? "?")")
            }
        }
        return problems
    }

    /// Returns the caller references that have more than one PAY or RESERVE in the sandbox.
    func doubleChargedReferences() throws -> [String] {
        try SQLiteDatabase(path: sandboxDataPath).query("""
            SELECT caller_reference, COUNT(*) AS charges FROM transactions
            WHERE operation IN ('PAY', 'RESERVE') GROUP BY caller_reference HAVING charges > 1
            """).map { "\($0.text("caller_reference") ?? "?") (\($0.integer("charges") ?? 0))" }
    }
}

extension ConsoleUnderTest {
    /// Returns the process id of the `fps-checkout` console in the tmux pane. The pane's
    /// process may be the shell that started it, so its children are searched too.
    func consolePID() throws -> pid_t {
        let output = directory.appendingPathComponent("pane-pid.txt")
        let socket = directory.appendingPathComponent("tmux.sock").path
        let status = try spawnAndWait(["/usr/bin/tmux", "-S", socket, "display-message", "-p", "-t", "checkout", "#{pane_pid}"],
                                      stdoutPath: output.path)
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard status == 0, let panePID = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TmuxError("tmux display-message #{pane_pid} exited with status \(status) and printed \"\(text)\"")
        }
        var candidates = [panePID]
        while !candidates.isEmpty {
            let pid = candidates.removeFirst()
            let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if command == "fps-checkout" { return pid }
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            candidates += children.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        throw TmuxError("no fps-checkout process found under tmux pane process \(panePID)")
    }

    /// Waits up to 10 s until the tmux server has reaped the killed console `pid`.
    ///
    /// Waits until the killed console's pid is gone. tmux 3.3a marks the pane dead before it
    /// reaps the process and was seen to leave it a zombie for over 10 s while idle in poll.
    /// `IntentRecovery.isOwnerAlive` reads the zombie state and treats such an owner as dead,
    /// but the test still sends the tmux server SIGCHLD, which makes it reap its exited
    /// children, so each iteration starts from a clean process table.
    func waitUntilReaped(_ pid: pid_t) async throws {
        let deadline = Date().addingTimeInterval(10)
        while let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) {
            guard Date() < deadline else {
                throw TmuxError("console \(pid) was not reaped within 10 s of SIGKILL; /proc/\(pid)/stat: \(stat)")
            }
            // The fields after the command name start with the state and the parent's pid.
            let fields = stat[(stat.lastIndex(of: ")") ?? stat.startIndex)...].split(separator: " ")
            if fields.count > 2, fields[1] == "Z", let parent = pid_t(fields[2]),
               (try? String(contentsOfFile: "/proc/\(parent)/comm", encoding: .utf8))?.hasPrefix("tmux") == true {
                kill(parent, SIGCHLD)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try !tmux.isRunning(), "the pane still runs after console \(pid) was reaped")
    }
}

/// Starts `argv` without waiting, with an empty signal mask so SIGTERM ends it, stdin from
/// /dev/null and stdout and stderr appended to files. Returns the child's process id.
private func spawnDetached(_ argv: [String], environment: [String], stdoutPath: String, stderrPath: String) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signalNumber in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signalNumber) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)

    var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    var cEnvironment: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
    defer { cEnvironment.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, argv[0], &actions, &attributes, &cArguments, &cEnvironment)
    guard result == 0 else { throw TmuxError("posix_spawn \(argv[0]) failed with error \(result)") }
    return pid
}

/// SplitMix64, for the seeded kill delays, prices and fault seeds.
private struct CrashSeedGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

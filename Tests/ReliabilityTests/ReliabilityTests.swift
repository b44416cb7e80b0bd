@testable import Checkout
import Foundation
import Ledger
import Testing

/// End-to-end reliability: headless clerks as separate processes, a sandbox process that
/// injects faults and is restarted mid-run, and the ledger compared with the sandbox's own
/// database afterwards. The suite runs serially because every test starts several processes.
@Suite("Reliability", .serialized)
struct ReliabilityTests {
    /// Master seed of the crash test; set RELIABILITY_SEED to replay another run.
    static let masterSeed = UInt64(ProcessInfo.processInfo.environment["RELIABILITY_SEED"] ?? "") ?? 20_261_204

    @Test("200 checkouts under faults, one charge each")
    func checkoutsUnderFaults() async throws {
        let rig = try ReliabilityRig(faults: "error503=0.2,dropAfterCommit=0.3,dropStyle=empty500,seed=42")
        try await rig.startSandbox()
        let started = ContinuousClock.now
        let drive = try rig.startDrive(desk: "faults", orders: 200, seed: 42)
        defer { drive.killAndReap() }

        // The sandbox restarts while the clerk is in the middle of its orders.
        while drive.output.split(separator: "\n").count < 60, drive.poll() == nil {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await rig.restartSandbox()
        let code = await drive.wait(timeout: .seconds(150))
        #expect(code == 0, "drive exit \(String(describing: code)); log:\n\(rig.driveLog(desk: "faults"))")

        let audit = try rig.audit()
        #expect(audit.problems.isEmpty, "\(audit.summary)")
        #expect(audit.succeeded == 200, "\(audit.summary)")
        #expect(audit.sandboxCharges == 200, "\(audit.summary)")
        print("checkouts under faults: \(audit.summary) in \(ContinuousClock.now - started)")
        await rig.stopSandbox()
    }

    @Test("SIGKILL at random moments, 100 times")
    func killedClerkRecovers() async throws {
        let rig = try ReliabilityRig(faults: "error503=0.1,dropAfterCommit=0.2,dropStyle=empty500,seed=7")
        try await rig.startSandbox()
        let started = ContinuousClock.now
        var generator = SplitMix(seed: Self.masterSeed)
        var killed = 0
        let rounds = 100
        for round in 0..<rounds {
            // Each round requests three more finished orders and kills the clerk a seeded
            // 0 to 24 ms after its first, second or third Pay, Reserve or Settle request left.
            let seed = generator.next()
            let requestNumber = 1 + Int(seed % 3)
            let delay = Int((seed >> 8) % 25)
            let context = "round \(round), seed \(seed), kill \(delay) ms after money request \(requestNumber) (master seed \(Self.masterSeed))"

            let logStart = rig.driveLogSize(desk: "crash")
            let drive = try rig.startDrive(desk: "crash", orders: 3 * (round + 1), seed: seed)
            while drive.poll() == nil, rig.moneyRequests(desk: "crash", since: logStart) < requestNumber {
                try await Task.sleep(for: .milliseconds(2))
            }
            try await Task.sleep(for: .milliseconds(delay))
            if round == rounds / 2 {
                // Once, the sandbox itself restarts while the clerk runs.
                try await rig.restartSandbox()
            }
            if drive.poll() == nil {
                drive.kill(SIGKILL)
                killed += 1
            }
            _ = await drive.wait(timeout: .seconds(10))
            drive.killAndReap()

            let code = try await rig.runDrive(desk: "crash", orders: 3 * (round + 1), seed: seed)
            #expect(code == 0, "\(context): the restarted clerk exited with \(String(describing: code)); log:\n\(rig.driveLog(desk: "crash"))")
            let audit = try rig.audit()
            #expect(audit.problems.isEmpty, "\(context): \(audit.summary)")
            if code != 0 || !audit.problems.isEmpty { break }
        }
        let audit = try rig.audit()
        #expect(audit.succeeded == 3 * rounds, "\(audit.summary)")
        #expect(killed >= rounds * 9 / 10, "only \(killed) of \(rounds) runs were still running when the kill came")
        // Kills that land between a request and its recorded outcome leave work for recovery.
        let recoveries = rig.recoveryNotices(desk: "crash")
        #expect(recoveries >= 10, "only \(recoveries) restarts recovered an open request")
        print("crash test: \(killed) of \(rounds) clerks killed, \(recoveries) restarts recovered open requests, \(audit.summary), master seed \(Self.masterSeed), in \(ContinuousClock.now - started)")
        await rig.stopSandbox()
    }

    @Test("four desks share one ledger")
    func fourDesksShareLedger() async throws {
        let rig = try ReliabilityRig(faults: "error503=0.2,dropAfterCommit=0.3,dropStyle=empty500,seed=99")
        try await rig.startSandbox()
        let started = ContinuousClock.now
        let desks = ["desk-a", "desk-b", "desk-c", "desk-d"]
        var drives: [ChildProcess] = []
        for (index, desk) in desks.enumerated() {
            drives.append(try rig.startDrive(desk: desk, orders: 25, seed: UInt64(100 + index)))
        }
        defer { drives.forEach { $0.killAndReap() } }
        try await Task.sleep(for: .milliseconds(1500))
        try await rig.restartSandbox()
        for (desk, drive) in zip(desks, drives) {
            let code = await drive.wait(timeout: .seconds(120))
            #expect(code == 0, "\(desk) exited with \(String(describing: code)); log:\n\(rig.driveLog(desk: desk))")
        }

        let audit = try rig.audit()
        #expect(audit.problems.isEmpty, "\(audit.summary)")
        #expect(audit.succeeded == 100, "\(audit.summary)")
        let ledger = try Ledger(path: rig.ledgerPath)
        for desk in desks {
            let finished = try ledger.listOrders(phases: ["succeeded"], desk: desk, limit: 1000)
            #expect(finished.count == 25, "\(desk) finished \(finished.count) orders")
        }
        print("four desks: \(audit.summary) in \(ContinuousClock.now - started)")
        await rig.stopSandbox()
    }
}

@Suite("Leases and retry waits")
struct LeaseTests {
    @Test("second owner is refused a held lease")
    func leaseIsExclusive() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lease-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.sqlite").path
        let first = try Ledger(path: path)
        let second = try Ledger(path: path)
        let order = try first.createOrder(desk: "d", phase: "assembling", mode: "pay", currency: "USD") { "ref-\($0)" }

        #expect(try first.claimOrder(order.id, owner: "d:1:a", duration: .seconds(60)) == .claimed)
        let refused = try second.claimOrder(order.id, owner: "d:2:b", duration: .seconds(60))
        guard case .heldBy(let holder, _) = refused else {
            Issue.record("the second claim succeeded: \(refused)")
            return
        }
        #expect(holder == "d:1:a")
        // A holder whose process is gone loses the lease at once.
        #expect(try second.claimOrder(order.id, owner: "d:2:b", duration: .seconds(60), isOwnerAlive: { _ in false }) == .claimed)
        try second.releaseOrder(order.id, owner: "d:2:b")
        #expect(try first.lease(orderID: order.id) == nil)
    }

    @Test("expired lease can be claimed")
    func expiredLease() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lease-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try Ledger(path: directory.appendingPathComponent("ledger.sqlite").path)
        let order = try ledger.createOrder(desk: "d", phase: "assembling", mode: "pay", currency: "USD") { "ref-\($0)" }
        #expect(try ledger.claimOrder(order.id, owner: "d:1:a", duration: .milliseconds(-1000)) == .claimed)
        #expect(try ledger.claimOrder(order.id, owner: "d:2:b", duration: .seconds(60)) == .claimed)
    }

    @Test("dead process id is detected")
    func deadOwner() {
        #expect(IntentRecovery.isOwnerAlive("desk:\(getpid()):abc"))
        // Linux caps pid_max at 2^22 (PID_MAX_LIMIT), so no process has id 2^22 + 1.
        #expect(!IntentRecovery.isOwnerAlive("desk:4194305:abc"))
    }

    @Test("retry waits grow, cap and jitter")
    func retryWaits() {
        let configuration = CheckoutConfiguration(endpoints: .localSandbox(port: 1),
                                                  credentials: .init(accessKeyID: "A", secretKey: "S"),
                                                  maxAttempts: 5, retryBaseDelay: .milliseconds(100), maxRetryDelay: .milliseconds(1000))
        let policy = RetryPolicy(configuration)
        #expect(policy.nominalDelay(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.nominalDelay(afterAttempt: 2) == .milliseconds(400))
        #expect(policy.nominalDelay(afterAttempt: 3) == .milliseconds(1000))
        var generator = SplitMix(seed: 1)
        var waits: Set<Duration> = []
        for _ in 0..<50 {
            let wait = policy.delay(afterAttempt: 2, using: &generator)
            #expect(wait >= .milliseconds(200))
            #expect(wait <= .milliseconds(400))
            waits.insert(wait)
        }
        #expect(waits.count > 10, "jitter produced only \(waits.count) distinct waits")
    }

    @Test("transient errors leave the outcome unknown")
    func outcomeClassification() {
        #expect(RetryPolicy.outcomeIsUnknown(.transport("timed out")))
        #expect(RetryPolicy.outcomeIsUnknown(.malformedResponse(httpStatus: 500, detail: "empty")))
        #expect(RetryPolicy.outcomeIsUnknown(.service(code: "ServiceUnavailable", message: "", requestID: nil, httpStatus: 503)))
        #expect(!RetryPolicy.outcomeIsUnknown(.service(code: "TokenUsageError", message: "", requestID: nil, httpStatus: 400)))
        #expect(!RetryPolicy.outcomeIsUnknown(.invalidRequest("bad")))
    }
}

/// SplitMix64, for seeded kill delays and jitter draws.
struct SplitMix: RandomNumberGenerator {
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

import Foundation
import FPSClient
import Testing
@testable import Sandbox

@Suite("Sandbox fault injection")
struct FaultInjectionTests {
    private func payParameters(token: String, reference: String) -> [String: String] {
        ["SenderTokenId": token, "TransactionAmount.Value": "12.50", "TransactionAmount.CurrencyCode": "USD",
         "CallerReference": reference]
    }

    private func committedIDs(_ sandbox: SandboxHarness, reference: String) throws -> [String] {
        try sandbox.server.store.transactionIDs(callerKey: sandbox.accessKey, callerReference: reference)
    }

    @Test("lost Pay response replays without a second charge")
    func droppedPayReplays() async throws {
        let sandbox = try SandboxHarness { configuration in
            configuration.faults.dropAfterCommit = 1.0
            configuration.faults.seed = 7
        }
        let token = try await sandbox.token()

        await #expect(throws: (any Error).self) {
            _ = try await sandbox.api("Pay", payParameters(token: token, reference: "lost-1"), method: "POST")
        }
        let committed = try committedIDs(sandbox, reference: "lost-1")
        #expect(committed.count == 1)

        let cleared = try await sandbox.admin("POST", "/admin/faults", body: "")
        #expect(cleared.status == 200)
        #expect(cleared.json["dropAfterCommit"] as? Double == 0)
        #expect(cleared.json["seed"] as? String == "7")

        let replay = try await sandbox.api("Pay", payParameters(token: token, reference: "lost-1"), method: "POST")
        #expect(replay.status == 200)
        #expect(replay.xml("TransactionId") == committed.first)
        #expect(replay.xml("TransactionStatus") == "Success")
        #expect(try committedIDs(sandbox, reference: "lost-1") == committed)

        let fresh = try await sandbox.api("Pay", payParameters(token: token, reference: "lost-2"))
        #expect(fresh.xml("Code") == "TokenUsageError")
    }

    @Test("empty500 drop style commits and returns no body")
    func droppedAsEmpty500() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()
        let set = try await sandbox.admin("POST", "/admin/faults", body: "dropAfterCommit=1&dropStyle=empty500&seed=3")
        #expect(set.status == 200)
        #expect(set.json["dropStyle"] as? String == "empty500")

        let pay = try await sandbox.api("Pay", payParameters(token: token, reference: "empty-1"))

        #expect(pay.status == 500)
        #expect(pay.body.isEmpty)
        #expect(try committedIDs(sandbox, reference: "empty-1").count == 1)
    }

    @Test("injected 503 and 500 commit nothing")
    func injectedErrorsCommitNothing() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()

        _ = try await sandbox.admin("POST", "/admin/faults", body: "error503=1")
        let unavailable = try await sandbox.api("Pay", payParameters(token: token, reference: "e-1"))
        #expect(unavailable.status == 503)
        #expect(unavailable.xml("Code") == "ServiceUnavailable")
        #expect(unavailable.body.contains("<RequestID>"))

        _ = try await sandbox.admin("POST", "/admin/faults", body: "error500=1")
        let internalError = try await sandbox.api("Pay", payParameters(token: token, reference: "e-1"))
        #expect(internalError.status == 500)
        #expect(internalError.xml("Code") == "InternalError")
        #expect(try committedIDs(sandbox, reference: "e-1").isEmpty)

        _ = try await sandbox.admin("POST", "/admin/faults", body: "")
        let retried = try await sandbox.api("Pay", payParameters(token: token, reference: "e-1"))
        #expect(retried.xml("TransactionStatus") == "Success")
    }

    @Test("same seed replays the same faults")
    func seedReplays() async throws {
        let sandbox = try SandboxHarness()

        func statuses(_ settings: String) async throws -> [Int] {
            let set = try await sandbox.admin("POST", "/admin/faults", body: settings)
            #expect(set.status == 200)
            var result: [Int] = []
            for _ in 0..<16 {
                result.append(try await sandbox.api("GetTransactionStatus", ["TransactionId": "X"]).status)
            }
            return result
        }

        let first = try await statuses("error503=0.5&seed=42")
        let second = try await statuses("error503=0.5&seed=42")
        let otherSeed = try await statuses("error503=0.5&seed=43")

        #expect(first == second)
        #expect(first.contains(503))
        // 400 is InvalidTransactionId: the request ran because no fault was drawn.
        #expect(first.contains(400))
        #expect(first != otherSeed)
        let state = try await sandbox.send("GET", "/admin/faults")
        #expect(state.json["draws"] as? Int == 16)
    }

    @Test("hang outlasts the client timeout, then commits")
    func hangThenCommit() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()
        _ = try await sandbox.admin("POST", "/admin/faults", body: "hang=1&hangSeconds=2")

        await #expect(throws: (any Error).self) {
            _ = try await sandbox.api("Pay", payParameters(token: token, reference: "hang-1"), timeout: 0.5)
        }
        #expect(try committedIDs(sandbox, reference: "hang-1").isEmpty)

        var committed: [String] = []
        for _ in 0..<50 where committed.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            committed = try committedIDs(sandbox, reference: "hang-1")
        }
        #expect(committed.count == 1)
    }

    @Test("slowMilliseconds delays each request")
    func slowDelays() async throws {
        let sandbox = try SandboxHarness { $0.faults.slowMilliseconds = 300 }
        let started = Date()
        let response = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X"])

        #expect(response.xml("Code") == "InvalidTransactionId")
        #expect(Date().timeIntervalSince(started) >= 0.3)
    }

    @Test("stop does not wait for a hang")
    func stopInterruptsHang() async throws {
        let sandbox = try SandboxHarness { $0.faults.hang = 1; $0.faults.hangSeconds = 600 }
        let request = Task {
            try? await sandbox.api("GetTransactionStatus", ["TransactionId": "X"], timeout: 2)
        }
        try await Task.sleep(for: .milliseconds(300))

        let started = Date()
        sandbox.server.stop()
        #expect(Date().timeIntervalSince(started) < 5)
        _ = await request.value
    }

    @Test("invalid fault settings are rejected", arguments: [
        "error500=1.5", "error503=-0.1", "hang=x", "hangSeconds=601", "slowMilliseconds=2.5", "dropStyle=reset",
        "seed=-1", "explode=1",
    ])
    func invalidSettings(body: String) async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.admin("POST", "/admin/faults", body: body)

        #expect(response.status == 400)
        #expect((response.json["error"] as? String)?.isEmpty == false)
        #expect(sandbox.server.faults == SandboxFaults())
    }

    @Test("fault settings need the admin secret")
    func faultsNeedSecret() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.send("POST", "/admin/faults", body: "error500=1")

        #expect(response.status == 403)
        #expect(sandbox.server.faults == SandboxFaults())
    }

    @Test("SplitMix64 matches its reference output")
    func splitMixReference() {
        // The first three outputs of SplitMix64 seeded with 0, as independent implementations
        // of the algorithm list them in their own tests.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }
}

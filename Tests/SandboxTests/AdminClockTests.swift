import Foundation
import FPSClient
import Testing
@testable import Sandbox

@Suite("Sandbox admin clock")
struct AdminClockTests {
    private func payParameters(token: String, amount: String, reference: String) -> [String: String] {
        ["SenderTokenId": token, "TransactionAmount.Value": amount, "TransactionAmount.CurrencyCode": "USD",
         "CallerReference": reference]
    }

    @Test("GET reads the sandbox time")
    func readsTime() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.send("GET", "/admin/clock")

        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.json["now"] as? String == "2023-11-14T22:13:20Z")
        #expect(response.json["wallClock"] as? String == "2023-11-14T22:13:20Z")
        #expect(response.json["offsetSeconds"] as? Double == 0)
    }

    @Test("advance past token expiry")
    func advancePastTokenExpiry() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token(amount: "5.00")

        let advanced = try await sandbox.admin("POST", "/admin/clock", body: "advance=10801")
        #expect(advanced.status == 200)
        #expect(advanced.json["now"] as? String == "2023-11-15T01:13:21Z")
        #expect(advanced.json["offsetSeconds"] as? Double == 10801)
        #expect(sandbox.server.now == sandbox.clock.now + 10801)

        // The client still signs with its own clock, which the Timestamp check uses.
        let pay = try await sandbox.api("Pay", payParameters(token: token, amount: "5.00", reference: "late"))
        #expect(pay.status == 400)
        #expect(pay.xml("Code") == "TokenNotActive_Sender")
    }

    @Test("set past reserve expiry")
    func setPastReserveExpiry() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token(amount: "9.00", reserve: true)
        let reserve = try await sandbox.api("Reserve", payParameters(token: token, amount: "9.00", reference: "res-clock"))
        let reserveID = try #require(reserve.xml("TransactionId"))

        let justBefore = try await sandbox.admin("POST", "/admin/clock?set=2023-11-21T22:13:19Z")
        #expect(justBefore.status == 200)
        let before = try await sandbox.api("GetTransactionStatus", ["TransactionId": reserveID])
        #expect(before.xml("TransactionStatus") == "Reserved")

        let after = try await sandbox.admin("POST", "/admin/clock", body: "set=2023-11-21T22:13:20Z")
        #expect(after.json["now"] as? String == "2023-11-21T22:13:20Z")
        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": reserveID])
        #expect(status.xml("TransactionStatus") == "Cancelled")
        #expect(status.xml("StatusCode") == "Expired")
    }

    @Test("invalid clock changes are rejected", arguments: [
        "advance=-1", "advance=soon", "set=yesterday", "set=2023-11-14T22:13:19Z", "advance=1&set=2030-01-01T00:00:00Z", "", "jump=5",
    ])
    func invalidChanges(body: String) async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.admin("POST", "/admin/clock", body: body)

        #expect(response.status == 400)
        #expect((response.json["error"] as? String)?.isEmpty == false)
        #expect(sandbox.server.now == sandbox.clock.now)
    }

    @Test("POST needs the admin secret header")
    func postNeedsSecret() async throws {
        let sandbox = try SandboxHarness()
        let missing = try await sandbox.send("POST", "/admin/clock", body: "advance=60")
        let wrong = try await sandbox.admin("POST", "/admin/clock", body: "advance=60", secret: "not-the-secret")

        #expect(missing.status == 403)
        #expect((missing.json["error"] as? String)?.contains("X-Sandbox-Admin-Secret") == true)
        #expect(wrong.status == 403)
        #expect(!wrong.body.contains(SandboxServer.demoSecretKey))
        #expect(sandbox.server.now == sandbox.clock.now)
    }

    @Test("allowAdmin off hides the endpoint")
    func adminDisabled() async throws {
        let sandbox = try SandboxHarness { $0.allowAdmin = false }
        let read = try await sandbox.send("GET", "/admin/clock")
        let change = try await sandbox.admin("POST", "/admin/clock", body: "advance=60")

        #expect(read.status == 404)
        #expect(change.status == 404)
        #expect(sandbox.server.now == sandbox.clock.now)
    }

    @Test("configured offset shifts business time only")
    func configuredOffset() async throws {
        let sandbox = try SandboxHarness { $0.clockOffsetSeconds = 86400 }
        let redirect = try await sandbox.authorize(callerReference: "offset-order")
        #expect(redirect.values["tokenID"] != nil)

        let clock = try await sandbox.send("GET", "/admin/clock")
        #expect(clock.json["now"] as? String == "2023-11-15T22:13:20Z")
        #expect(clock.json["wallClock"] as? String == "2023-11-14T22:13:20Z")

        let token = try await sandbox.api("GetTokenByCaller", ["CallerReference": "offset-order"])
        #expect(token.status == 200)
        #expect(token.xml("DateInstalled") == "2023-11-15T22:13:20Z")
    }

    @Test("Expires can replace Timestamp")
    func expiresReplacesTimestamp() async throws {
        let sandbox = try SandboxHarness()
        let now = sandbox.clock.now

        let valid = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X", "Expires": SandboxHarness.iso8601(now + 60)],
                                          timestamp: "")
        let expired = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X", "Expires": SandboxHarness.iso8601(now - 1)],
                                            timestamp: "")
        let malformed = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X", "Expires": "tomorrow"],
                                              timestamp: "")
        let both = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X", "Expires": SandboxHarness.iso8601(now + 60)])

        // A valid Expires passes authentication, so the request fails only on the unknown id.
        #expect(valid.xml("Code") == "InvalidTransactionId")
        #expect(expired.xml("Code") == "RequestExpired")
        #expect(malformed.xml("Code") == "InvalidParameterValue")
        #expect(both.xml("Code") == "InvalidParams")
        #expect(both.xml("Message")?.contains("Expires") == true)
    }
}

import Checkout
import FPSClient
import Foundation
import Sandbox
import Testing

/// Runs the real `fps-checkout` binary against a sandbox started in this process.
/// The tests run one at a time because each spawns processes on a shared two-core machine.
@Suite(.serialized)
struct ScriptingCommandTests {
    // MARK: - Pay path

    @Test func payFlowEndToEnd() async throws {
        let fixture = try CommandLineFixture()
        let built = try fixture.run("cbui-url", "--caller-reference", "order-1", "--amount", "12.50",
                                    "--return-url", fixture.returnURL, "--json")
        #expect(built.status == 0, "\(built.transcript)")
        #expect(built.json["amount"] as? String == "12.50")
        #expect(built.json["callerReference"] as? String == "order-1")
        let url = try #require(built.json["url"] as? String, "\(built.transcript)")
        #expect(url.hasPrefix(fixture.server.cbuiURL + "?"))
        #expect(url.contains("signature="))

        let returnURI = try await SandboxCustomer.approve(cbuiURL: url, transport: URLSessionTransport(timeoutSeconds: 10))
        let verified = try fixture.run("verify-return", returnURI, "--caller-reference", "order-1", "--json")
        #expect(verified.status == 0, "\(verified.transcript)")
        #expect(verified.json["verified"] as? Bool == true)
        #expect(verified.json["cbuiStatus"] as? String == "SC")
        let token = try #require(verified.json["tokenId"] as? String, "\(verified.transcript)")

        let paid = try fixture.run("pay", "--token", token, "--amount", "12.50", "--caller-reference", "pay-1", "--json")
        #expect(paid.status == 0, "\(paid.transcript)")
        #expect(paid.json["transactionStatus"] as? String == "Success")
        #expect(paid.json["action"] as? String == "Pay")
        #expect(paid.json["requestId"] is String)
        #expect(paid.json.keys.contains("statusCode"))
        let transactionID = try #require(paid.json["transactionId"] as? String, "\(paid.transcript)")

        let status = try fixture.run("status", "--transaction-id", transactionID, "--json")
        #expect(status.status == 0, "\(status.transcript)")
        #expect(status.json["transactionId"] as? String == transactionID)
        #expect(status.json["transactionStatus"] as? String == "Success")
        #expect(status.json["callerReference"] as? String == "pay-1")
    }

    @Test func plainOutputListsFields() async throws {
        let fixture = try CommandLineFixture()
        let token = try await fixture.authorizedToken(callerReference: "order-plain", amount: "3.00")
        let paid = try fixture.run("pay", "--token", token, "--amount", "3.00", "--caller-reference", "pay-plain")
        #expect(paid.status == 0, "\(paid.transcript)")
        let lines = paid.stdout.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(lines.contains(["transactionStatus", "Success"]), "\(paid.transcript)")
        #expect(lines.contains { $0.first == "transactionId" && $0.count == 2 }, "\(paid.transcript)")
    }

    @Test func cbuiURLPlainPrintsOnlyURL() throws {
        let fixture = try CommandLineFixture()
        let built = try fixture.run("cbui-url", "--caller-reference", "order-url", "--amount", "1",
                                    "--return-url", fixture.returnURL, "--reserve", "--signature-method", "HmacSHA1")
        #expect(built.status == 0, "\(built.transcript)")
        let lines = built.stdout.split(separator: "\n")
        #expect(lines.count == 1, "\(built.transcript)")
        #expect(built.stdout.contains("transactionAmount=1.00"))
        #expect(built.stdout.contains("reserve=True"))
        #expect(built.stdout.contains("signatureMethod=HmacSHA1"))
    }

    // MARK: - Reserve, settle, refund, cancel

    @Test func reserveThenPartialSettle() async throws {
        let fixture = try CommandLineFixture()
        let token = try await fixture.authorizedToken(callerReference: "order-r", amount: "20.00", reserve: true)

        let reserved = try fixture.run("reserve", "--token", token, "--amount", "20.00", "--caller-reference", "reserve-1", "--json")
        #expect(reserved.status == 0, "\(reserved.transcript)")
        #expect(reserved.json["transactionStatus"] as? String == "Reserved")
        let transactionID = try #require(reserved.json["transactionId"] as? String, "\(reserved.transcript)")

        let settled = try fixture.run("settle", "--transaction-id", transactionID, "--amount", "7.25", "--json")
        #expect(settled.status == 0, "\(settled.transcript)")
        #expect(settled.json["transactionId"] as? String == transactionID)
        #expect(settled.json["transactionStatus"] as? String == "Success")

        // A reserve settles only once, so a second settle is a service rejection.
        let again = try fixture.run("settle", "--transaction-id", transactionID, "--json")
        #expect(again.status == 1, "\(again.transcript)")
        #expect(again.jsonError["code"] as? String == "InvalidTransactionState")
    }

    @Test func refundAfterPay() async throws {
        let fixture = try CommandLineFixture()
        let token = try await fixture.authorizedToken(callerReference: "order-refund", amount: "9.00")
        let paid = try fixture.run("pay", "--token", token, "--amount", "9.00", "--caller-reference", "pay-refund", "--json")
        let transactionID = try #require(paid.json["transactionId"] as? String, "\(paid.transcript)")

        let refunded = try fixture.run("refund", "--transaction-id", transactionID, "--caller-reference", "refund-1",
                                       "--amount", "4.00", "--json")
        if refunded.jsonError["code"] as? String == "InvalidParams" {
            // NOTE: the sandbox does not serve Refund yet; until it does, this checks the exact rejection.
            #expect(refunded.status == 1, "\(refunded.transcript)")
            #expect(refunded.jsonError["message"] as? String
                    == "Action \"Refund\" is not supported by this sandbox. Supported: GetTransactionStatus, Pay, Reserve, Settle.")
            #expect(refunded.jsonError["httpStatus"] as? Int == 400)
            #expect(refunded.jsonError["retryable"] as? Bool == false)
        } else {
            #expect([0, 4].contains(refunded.status), "\(refunded.transcript)")
            #expect(refunded.json["transactionId"] as? String != transactionID)
        }
    }

    @Test func cancelReserve() async throws {
        let fixture = try CommandLineFixture()
        let token = try await fixture.authorizedToken(callerReference: "order-cancel", amount: "5.00", reserve: true)
        let reserved = try fixture.run("reserve", "--token", token, "--amount", "5.00", "--caller-reference", "reserve-cancel", "--json")
        let transactionID = try #require(reserved.json["transactionId"] as? String, "\(reserved.transcript)")

        let cancelled = try fixture.run("cancel", "--transaction-id", transactionID, "--description", "Customer called back", "--json")
        if cancelled.jsonError["code"] as? String == "InvalidParams" {
            // NOTE: the sandbox does not serve Cancel yet; until it does, this checks the exact rejection.
            #expect(cancelled.status == 1, "\(cancelled.transcript)")
            #expect(cancelled.jsonError["message"] as? String
                    == "Action \"Cancel\" is not supported by this sandbox. Supported: GetTransactionStatus, Pay, Reserve, Settle.")
        } else {
            #expect(cancelled.status == 0, "\(cancelled.transcript)")
            #expect(cancelled.json["transactionStatus"] as? String == "Cancelled")
            let status = try fixture.run("status", "--transaction-id", transactionID, "--json")
            #expect(status.status == 5, "\(status.transcript)")
        }
    }

    @Test func pendingPayExitsFour() async throws {
        let fixture = try CommandLineFixture(pendingSeconds: 300)
        let token = try await fixture.authorizedToken(callerReference: "order-pending", amount: "2.00")
        let paid = try fixture.run("pay", "--token", token, "--amount", "2.00", "--caller-reference", "pay-pending", "--json")
        #expect(paid.status == 4, "\(paid.transcript)")
        #expect(paid.json["transactionStatus"] as? String == "Pending")
        #expect(paid.stderr.contains("fps-checkout status --transaction-id"))
        let transactionID = try #require(paid.json["transactionId"] as? String)
        let status = try fixture.run("status", "--transaction-id", transactionID)
        #expect(status.status == 4, "\(status.transcript)")
    }

    // MARK: - Rejections and errors

    @Test func reusedTokenExitsOne() async throws {
        let fixture = try CommandLineFixture()
        let token = try await fixture.authorizedToken(callerReference: "order-reuse", amount: "4.00")
        let first = try fixture.run("pay", "--token", token, "--amount", "4.00", "--caller-reference", "pay-reuse-1", "--json")
        #expect(first.status == 0, "\(first.transcript)")

        let second = try fixture.run("pay", "--token", token, "--amount", "4.00", "--caller-reference", "pay-reuse-2", "--json")
        #expect(second.status == 1, "\(second.transcript)")
        #expect(second.jsonError["code"] as? String == "TokenUsageError")
        #expect(second.jsonError["retryable"] as? Bool == false)
        #expect(second.jsonError["httpStatus"] as? Int == 400)
        #expect(second.jsonError["requestId"] is String, "\(second.transcript)")
        #expect(second.stderr.contains("TokenUsageError"))
        #expect(!second.stderr.contains(token), "the full token id must not appear in the message")
    }

    @Test func unknownTransactionExitsOne() throws {
        let fixture = try CommandLineFixture()
        let status = try fixture.run("status", "--transaction-id", "NO-SUCH-TRANSACTION", "--json")
        #expect(status.status == 1, "\(status.transcript)")
        #expect(status.jsonError["code"] as? String == "InvalidTransactionId")
    }

    @Test func verifyReturnRejectsOtherOrder() async throws {
        let fixture = try CommandLineFixture()
        let built = try fixture.run("cbui-url", "--caller-reference", "order-a", "--amount", "1.00", "--return-url", fixture.returnURL, "--json")
        let url = try #require(built.json["url"] as? String, "\(built.transcript)")
        let returnURI = try await SandboxCustomer.approve(cbuiURL: url, transport: URLSessionTransport(timeoutSeconds: 10))

        let mismatch = try fixture.run("verify-return", returnURI, "--caller-reference", "order-b", "--json")
        #expect(mismatch.status == 1, "\(mismatch.transcript)")
        #expect(mismatch.json["verified"] as? Bool == false)
        #expect(mismatch.jsonError["code"] as? String == "callerReferenceMismatch")

        let tampered = returnURI.replacingOccurrences(of: "status=SC", with: "status=SA")
        #expect(tampered != returnURI)
        let altered = try fixture.run("verify-return", tampered, "--caller-reference", "order-a", "--json")
        #expect(altered.status == 1, "\(altered.transcript)")
        #expect(altered.jsonError["code"] as? String == "signatureInvalid")

        // The URI can also come from stdin, as a pipe from another tool would give it.
        let piped = try fixture.run("verify-return", "-", "--caller-reference", "order-a", stdin: returnURI + "\n")
        #expect(piped.status == 0, "\(piped.transcript)")
    }

    @Test func verifyReturnRemoteWhereUnsupported() async throws {
        let fixture = try CommandLineFixture()
        let built = try fixture.run("cbui-url", "--caller-reference", "order-remote", "--amount", "1.00", "--return-url", fixture.returnURL, "--json")
        let url = try #require(built.json["url"] as? String, "\(built.transcript)")
        let returnURI = try await SandboxCustomer.approve(cbuiURL: url, transport: URLSessionTransport(timeoutSeconds: 10))
        let remote = try fixture.run("verify-return", returnURI, "--caller-reference", "order-remote", "--remote", "--json")
        if remote.jsonError["code"] as? String == "InvalidParams" {
            // NOTE: the sandbox does not serve VerifySignature; the local check passes and the remote one is rejected.
            #expect(remote.status == 1, "\(remote.transcript)")
            #expect(remote.json["verified"] as? Bool == false)
            #expect(remote.json["tokenId"] is String)
        } else {
            #expect(remote.status == 0, "\(remote.transcript)")
            #expect(remote.json["remoteVerification"] as? String == "Success")
        }
    }

    @Test func badAmountExitsTwo() throws {
        let fixture = try CommandLineFixture()
        let result = try fixture.run("pay", "--token", "T", "--amount", "12,50", "--caller-reference", "bad-amount")
        #expect(result.status == 2, "\(result.transcript)")
        #expect(result.stderr.contains("\"12,50\""), "\(result.transcript)")
        #expect(result.stdout.isEmpty)

        let json = try fixture.run("settle", "--transaction-id", "X", "--amount", "0", "--json")
        #expect(json.status == 2, "\(json.transcript)")
        #expect(json.jsonError["code"] as? String == "UsageError")
        #expect((json.jsonError["message"] as? String)?.contains("\"0\"") == true, "\(json.transcript)")
    }

    @Test func missingOptionExitsTwo() throws {
        let fixture = try CommandLineFixture()
        let result = try fixture.run("pay", "--amount", "1.00", "--caller-reference", "r")
        #expect(result.status == 2, "\(result.transcript)")
        #expect(result.stderr.contains("Missing --token"), "\(result.transcript)")

        let unknown = try fixture.run("status", "--transaction", "X")
        #expect(unknown.status == 2, "\(unknown.transcript)")
        #expect(unknown.stderr.contains("Unknown option --transaction"), "\(unknown.transcript)")
    }

    @Test func noEndpointExitsTwo() throws {
        let fixture = try CommandLineFixture()
        let result = try fixture.run("status", "--transaction-id", "X", environment: ["HOME": fixture.directory.path])
        #expect(result.status == 2, "\(result.transcript)")
        for name in ["FPS_ENDPOINT", "FPS_ACCESS_KEY_ID", "FPS_SECRET_KEY_FILE", "fps-checkout sandbox"] {
            #expect(result.stderr.contains(name), "the message should name \(name): \(result.transcript)")
        }
    }

    @Test func invalidEndpointExitsTwo() throws {
        let fixture = try CommandLineFixture()
        var environment = fixture.environment
        environment["FPS_ENDPOINT"] = "ftp://127.0.0.1/"
        let result = try fixture.run("status", "--transaction-id", "X", environment: environment)
        #expect(result.status == 2, "\(result.transcript)")
        #expect(result.stderr.contains("FPS_ENDPOINT \"ftp://127.0.0.1/\" is not an http(s) URL"), "\(result.transcript)")
    }

    @Test func olderSigningOptionsAccepted() throws {
        let fixture = try CommandLineFixture()
        // Each combination must pass the sandbox's signature check and reach the action, which
        // rejects the unknown id. A signing mistake would return SignatureDoesNotMatch instead.
        for (method, signature, version) in [("GET", "HmacSHA1", "2008-09-17"), ("POST", "HmacSHA1", "2010-08-28"), ("GET", "HmacSHA256", "2008-09-17")] {
            let result = try fixture.run("status", "--transaction-id", "NO-SUCH-TRANSACTION", "--json", "--http-method", method,
                                         "--signature-method", signature, "--api-version", version)
            #expect(result.status == 1, "\(method) \(signature) \(version): \(result.transcript)")
            #expect(result.jsonError["code"] as? String == "InvalidTransactionId", "\(method) \(signature) \(version)")
        }
        let badVersion = try fixture.run("status", "--transaction-id", "X", "--api-version", "2007-01-08")
        #expect(badVersion.status == 2, "\(badVersion.transcript)")
        #expect(badVersion.stderr.contains("\"2007-01-08\""), "\(badVersion.transcript)")
    }

    @Test func endpointOptionsReplaceEnvironment() throws {
        let fixture = try CommandLineFixture()
        let result = try fixture.run("status", "--transaction-id", "X", "--json",
                                     "--endpoint", fixture.server.baseURL + "/", "--access-key-id", SandboxServer.demoAccessKeyID,
                                     "--secret-key-file", fixture.secretKeyPath,
                                     environment: ["HOME": fixture.directory.path])
        // The sandbox responded with a service error, so the options were enough to reach it and sign for it.
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.jsonError["code"] as? String == "InvalidTransactionId")
    }

    @Test func readableKeyFileExitsTwo() throws {
        let fixture = try CommandLineFixture()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: fixture.secretKeyPath)
        let result = try fixture.run("status", "--transaction-id", "X")
        #expect(result.status == 2, "\(result.transcript)")
        #expect(result.stderr.contains("chmod 600"), "\(result.transcript)")
    }

    @Test func unreachableEndpointExitsThree() throws {
        let fixture = try CommandLineFixture()
        var environment = fixture.environment
        environment["FPS_ENDPOINT"] = try CommandLineFixture.closedEndpoint()
        let result = try fixture.run("pay", "--token", "TOKEN-1234567890", "--amount", "1.00", "--caller-reference", "r", "--json",
                                     environment: environment)
        #expect(result.status == 3, "\(result.transcript)")
        #expect(result.jsonError["code"] as? String == "EndpointUnreachable")
        #expect(result.jsonError["retryable"] as? Bool == true)
        #expect(result.stderr.contains("fps-checkout status"), "\(result.transcript)")
    }

    // MARK: - Trace and help

    @Test func traceShortensSignature() async throws {
        let fixture = try CommandLineFixture()
        let token = try await fixture.authorizedToken(callerReference: "order-trace", amount: "6.00")
        let secret = SandboxServer.demoSecretKey

        let paid = try fixture.run("pay", "--token", token, "--amount", "6.00", "--caller-reference", "pay-trace", "--trace")
        #expect(paid.status == 0, "\(paid.transcript)")
        #expect(paid.stderr.contains("> POST \(fixture.server.baseURL)/"), "\(paid.stderr)")
        #expect(paid.stderr.contains("Action=Pay"))
        #expect(paid.stderr.contains("< HTTP 200 in "))
        #expect(paid.stderr.contains("<PayResponse"))
        #expect(paid.stderr.range(of: #"Signature=[^&\s]{4}…\[\d+ chars\]"#, options: .regularExpression) != nil, "\(paid.stderr)")
        #expect(paid.stderr.contains("SenderTokenId=\(Redaction.secret(token))"), "\(paid.stderr)")
        #expect(!paid.stderr.contains(token))
        #expect(!paid.stderr.contains(secret))
        #expect(!paid.stderr.contains(PercentEncoding.encode(secret)))

        // With GET the signed parameters are in the request line itself.
        let transactionID = try #require(paid.stdout.split(separator: "\n").first { $0.hasPrefix("transactionId") }?
            .split(separator: " ").last.map(String.init))
        let status = try fixture.run("status", "--transaction-id", transactionID, "--http-method", "GET", "--trace")
        #expect(status.status == 0, "\(status.transcript)")
        let requestLine = try #require(status.stderr.split(separator: "\n").first { $0.hasPrefix("> GET ") }, "\(status.stderr)")
        #expect(requestLine.contains("Action=GetTransactionStatus"))
        #expect(requestLine.range(of: #"&Signature=[^&\s]{4}…\[\d+ chars\]$"#, options: .regularExpression) != nil, "\(requestLine)")
        #expect(!status.stderr.contains(secret))
    }

    @Test func helpListsExitCodes() throws {
        let fixture = try CommandLineFixture()
        for command in ["cbui-url", "verify-return", "pay", "reserve", "settle", "cancel", "refund", "status"] {
            let help = try fixture.run(command, "--help")
            #expect(help.status == 0, "\(command): \(help.transcript)")
            #expect(help.stdout.contains("Usage: fps-checkout \(command)"), "\(command)")
            #expect(help.stdout.contains("Exit codes:"), "\(command)")
            #expect(help.stdout.contains("--json"), "\(command)")
            #expect(help.stdout.contains("--trace"), "\(command)")
        }
        let top = try fixture.run("--help")
        #expect(top.stdout.contains("verify-return"), "\(top.transcript)")
    }
}

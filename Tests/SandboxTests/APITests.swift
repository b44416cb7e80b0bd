import Foundation
import FPSClient
import Testing
@testable import Sandbox

@Suite("Sandbox API")
struct APITests {
    private func payParameters(token: String, amount: String = "12.50", reference: String = "pay-1") -> [String: String] {
        ["SenderTokenId": token, "TransactionAmount.Value": amount, "TransactionAmount.CurrencyCode": "USD",
         "CallerReference": reference]
    }

    @Test("Pay succeeds and a replay returns the same transaction")
    func paySucceedsAndReplays() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()

        let first = try await sandbox.api("Pay", payParameters(token: token))
        #expect(first.status == 200)
        #expect(first.body.contains(#"<PayResponse xmlns="http://fps.amazonaws.com/doc/2010-08-28/">"#))
        #expect(first.xml("TransactionStatus") == "Success")
        let transactionID = try #require(first.xml("TransactionId"))
        #expect(transactionID.count == 35)
        #expect(first.xml("RequestId")?.hasSuffix(":0") == true)

        sandbox.clock.advance(by: 60)
        let replay = try await sandbox.api("Pay", payParameters(token: token), method: "POST")
        #expect(replay.status == 200)
        #expect(replay.xml("TransactionId") == transactionID)
        #expect(replay.xml("TransactionStatus") == "Success")

        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": transactionID])
        #expect(status.xml("TransactionStatus") == "Success")
        #expect(status.xml("CallerReference") == "pay-1")
        #expect(status.xml("StatusCode") == "Success")
        #expect(status.xml("StatusMessage")?.isEmpty == false)
    }

    @Test("same CallerReference with other parameters is DuplicateRequest")
    func duplicateRequest() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()
        _ = try await sandbox.api("Pay", payParameters(token: token, amount: "12.50"))

        let changed = try await sandbox.api("Pay", payParameters(token: token, amount: "12.00"))

        #expect(changed.status == 400)
        #expect(changed.xml("Code") == "DuplicateRequest")
        #expect(changed.body.contains("<RequestID>"))
    }

    @Test("second use of a token is TokenUsageError")
    func tokenReuse() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()
        _ = try await sandbox.api("Pay", payParameters(token: token, reference: "pay-a"))

        let again = try await sandbox.api("Pay", payParameters(token: token, reference: "pay-b"))

        #expect(again.status == 400)
        #expect(again.xml("Code") == "TokenUsageError")
    }

    @Test("token rules: unknown, expired, reserve-only, not a card, over amount")
    func tokenRules() async throws {
        let sandbox = try SandboxHarness()
        let unknown = try await sandbox.api("Pay", payParameters(token: "NOSUCHTOKEN", reference: "r1"))
        #expect(unknown.xml("Code") == "InvalidTokenId_Sender")

        let reserveToken = try await sandbox.token(reserve: true)
        let payOnReserve = try await sandbox.api("Pay", payParameters(token: reserveToken, reference: "r2"))
        #expect(payOnReserve.xml("Code") == "IncompatibleTokens")

        let balanceToken = try await sandbox.token(method: "ABT")
        let reserveOnBalance = try await sandbox.api("Reserve", payParameters(token: balanceToken, reference: "r3"))
        #expect(reserveOnBalance.xml("Code") == "PaymentInstrumentNotCC")

        let cardToken = try await sandbox.token(amount: "10.00")
        let tooMuch = try await sandbox.api("Pay", payParameters(token: cardToken, amount: "10.01", reference: "r4"))
        #expect(tooMuch.xml("Code") == "AmountOutOfRange")
        let euro = try await sandbox.api("Pay", ["SenderTokenId": cardToken, "TransactionAmount.Value": "1.00",
                                                 "TransactionAmount.CurrencyCode": "EUR", "CallerReference": "r5"])
        #expect(euro.xml("Code") == "InvalidParams")

        sandbox.clock.advance(by: 3 * 3600 + 1)
        let expired = try await sandbox.api("Pay", payParameters(token: cardToken, amount: "10.00", reference: "r6"))
        #expect(expired.status == 400)
        #expect(expired.xml("Code") == "TokenNotActive_Sender")
    }

    @Test("Reserve then Settle in part")
    func reserveThenSettle() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token(amount: "40.00", reserve: true)

        let reserve = try await sandbox.api("Reserve", payParameters(token: token, amount: "40.00", reference: "res-1"))
        #expect(reserve.status == 200)
        #expect(reserve.xml("TransactionStatus") == "Reserved")
        let reserveID = try #require(reserve.xml("TransactionId"))
        let reserved = try await sandbox.api("GetTransactionStatus", ["TransactionId": reserveID])
        #expect(reserved.xml("StatusCode") == "ReserveSuccess")

        let settle = try await sandbox.api("Settle", ["ReserveTransactionId": reserveID, "TransactionAmount.Value": "25.00",
                                                      "TransactionAmount.CurrencyCode": "USD"])
        #expect(settle.status == 200)
        #expect(settle.body.contains("<SettleResponse"))
        #expect(settle.xml("TransactionId") == reserveID)
        #expect(settle.xml("TransactionStatus") == "Success")

        let again = try await sandbox.api("Settle", ["ReserveTransactionId": reserveID])
        #expect(again.xml("Code") == "InvalidTransactionState")
    }

    @Test("Settle without amount takes the full reservation")
    func settleFullAmount() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token(amount: "40.00", reserve: true)
        let reserve = try await sandbox.api("Reserve", payParameters(token: token, amount: "30.00", reference: "res-2"))
        let reserveID = try #require(reserve.xml("TransactionId"))

        let settle = try await sandbox.api("Settle", ["ReserveTransactionId": reserveID])

        #expect(settle.xml("TransactionStatus") == "Success")
        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": reserveID])
        #expect(status.xml("StatusMessage")?.contains("USD 30.00") == true)
    }

    @Test("Settle above the reserved amount is refused")
    func settleOverAmount() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token(amount: "40.00", reserve: true)
        let reserve = try await sandbox.api("Reserve", payParameters(token: token, amount: "20.00", reference: "res-3"))
        let reserveID = try #require(reserve.xml("TransactionId"))

        let settle = try await sandbox.api("Settle", ["ReserveTransactionId": reserveID, "TransactionAmount.Value": "20.01",
                                                      "TransactionAmount.CurrencyCode": "USD"])

        #expect(settle.status == 400)
        #expect(settle.xml("Code") == "SettleAmountGreaterThanReserveAmount")
        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": reserveID])
        #expect(status.xml("TransactionStatus") == "Reserved")
    }

    @Test("Settle on a Pay or an unknown id is refused")
    func settleWrongTransaction() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()
        let pay = try await sandbox.api("Pay", payParameters(token: token))
        let payID = try #require(pay.xml("TransactionId"))

        let onPay = try await sandbox.api("Settle", ["ReserveTransactionId": payID])
        let unknown = try await sandbox.api("Settle", ["ReserveTransactionId": "NOSUCHTRANSACTION"])
        let unknownStatus = try await sandbox.api("GetTransactionStatus", ["TransactionId": "NOSUCHTRANSACTION"])

        #expect(onPay.xml("Code") == "InvalidTransactionState")
        #expect(unknown.xml("Code") == "InvalidTransactionId")
        #expect(unknownStatus.xml("Code") == "InvalidTransactionId")
    }

    @Test("reservation expires after seven days")
    func reservationExpires() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token(amount: "5.00", reserve: true)
        let reserve = try await sandbox.api("Reserve", payParameters(token: token, amount: "5.00", reference: "res-4"))
        let reserveID = try #require(reserve.xml("TransactionId"))

        sandbox.clock.advance(by: 7 * 24 * 3600)
        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": reserveID])
        let settle = try await sandbox.api("Settle", ["ReserveTransactionId": reserveID])

        #expect(status.xml("TransactionStatus") == "Cancelled")
        #expect(status.xml("StatusCode") == "Expired")
        #expect(settle.xml("Code") == "InvalidTransactionState")
    }

    @Test("malformed Timestamp is InvalidParameterValue", arguments: ["2011-10-03T15:19:41", "yesterday", "2023-13-14T22:13:20Z"])
    func malformedTimestamp(timestamp: String) async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X"], timestamp: timestamp)

        #expect(response.status == 400)
        #expect(response.xml("Code") == "InvalidParameterValue")
        #expect(response.body.contains("Timestamp"))
    }

    @Test("Timestamp outside 15 minutes is RequestExpired")
    func staleTimestamp() async throws {
        let sandbox = try SandboxHarness()
        let now = sandbox.clock.now

        let stale = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X"],
                                          timestamp: SandboxHarness.iso8601(now - 15 * 60 - 1))
        let future = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X"],
                                           timestamp: SandboxHarness.iso8601(now + 15 * 60 + 1))
        let inside = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X"],
                                           timestamp: SandboxHarness.iso8601(now - 14 * 60))

        #expect(stale.xml("Code") == "RequestExpired")
        #expect(future.xml("Code") == "RequestExpired")
        // Inside the window the request passes authentication and fails only on the unknown id.
        #expect(inside.xml("Code") == "InvalidTransactionId")
    }

    @Test("authentication failures answer 403")
    func authenticationFailures() async throws {
        let sandbox = try SandboxHarness()
        let badSignature = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X"], secret: "wrong-secret-key")
        let unknownKey = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X"], accessKey: "AKUNKNOWN")

        #expect(badSignature.status == 403)
        #expect(badSignature.xml("Code") == "SignatureDoesNotMatch")
        #expect(unknownKey.status == 403)
        #expect(unknownKey.xml("Code") == "InvalidClientTokenId")
    }

    @Test("host line without the port is accepted")
    func hostLineWithoutPort() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.api("GetTransactionStatus", ["TransactionId": "X"], method: "POST",
                                             hostLine: "127.0.0.1")
        #expect(response.xml("Code") == "InvalidTransactionId")
    }

    @Test("missing parameter is InvalidParams naming it")
    func missingParameter() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.api("Pay", ["SenderTokenId": "T", "CallerReference": "r"])

        #expect(response.status == 400)
        #expect(response.xml("Code") == "InvalidParams")
        #expect(response.xml("Message")?.contains("TransactionAmount.Value") == true)
    }

    @Test("duplicate query parameter is InvalidParams")
    func duplicateParameter() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.send("GET", "/?Action=Pay&Action=Pay")
        #expect(response.status == 400)
        #expect(response.xml("Code") == "InvalidParams")
    }

    @Test("Version 2008-09-17 answers in its namespace")
    func olderVersionNamespace() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()
        let response = try await sandbox.api("Pay", payParameters(token: token), version: "2008-09-17")

        #expect(response.status == 200)
        #expect(response.body.contains(#"xmlns="http://fps.amazonaws.com/doc/2008-09-17/""#))
    }

    @Test("pending phase then final status")
    func pendingThenFinal() async throws {
        let sandbox = try SandboxHarness(pendingSeconds: 30)
        let token = try await sandbox.token()

        let pay = try await sandbox.api("Pay", payParameters(token: token))
        #expect(pay.xml("TransactionStatus") == "Pending")
        let transactionID = try #require(pay.xml("TransactionId"))

        sandbox.clock.advance(by: 29)
        let during = try await sandbox.api("GetTransactionStatus", ["TransactionId": transactionID])
        #expect(during.xml("TransactionStatus") == "Pending")
        #expect(during.xml("StatusCode") == "PendingNetworkResponse")

        sandbox.clock.advance(by: 1)
        let after = try await sandbox.api("GetTransactionStatus", ["TransactionId": transactionID])
        #expect(after.xml("TransactionStatus") == "Success")
        #expect(after.xml("StatusCode") == "Success")

        let history = try sandbox.server.store.statusHistory(transactionID: transactionID).map(\.status)
        #expect(history == ["Pending", "Success"])
    }

    @Test("pending Reserve and Settle reach their final status")
    func pendingReserveAndSettle() async throws {
        let sandbox = try SandboxHarness(pendingSeconds: 10)
        let token = try await sandbox.token(amount: "8.00", reserve: true)
        let reserve = try await sandbox.api("Reserve", payParameters(token: token, amount: "8.00", reference: "res-p"))
        let reserveID = try #require(reserve.xml("TransactionId"))
        #expect(reserve.xml("TransactionStatus") == "Pending")

        let early = try await sandbox.api("Settle", ["ReserveTransactionId": reserveID])
        #expect(early.xml("Code") == "InvalidTransactionState")

        sandbox.clock.advance(by: 10)
        let settle = try await sandbox.api("Settle", ["ReserveTransactionId": reserveID])
        #expect(settle.xml("TransactionStatus") == "Pending")

        sandbox.clock.advance(by: 10)
        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": reserveID])
        #expect(status.xml("TransactionStatus") == "Success")
        let history = try sandbox.server.store.statusHistory(transactionID: reserveID).map(\.status)
        #expect(history == ["Pending", "Reserved", "Pending", "Success"])
    }

    @Test("restart keeps tokens, transactions and the signing key")
    func restartKeepsState() async throws {
        let sandbox = try SandboxHarness()
        let certificateBefore = sandbox.server.certificatePEM
        let token = try await sandbox.token()
        let unusedToken = try await sandbox.token()
        let pay = try await sandbox.api("Pay", payParameters(token: token))
        let transactionID = try #require(pay.xml("TransactionId"))

        try sandbox.restart()

        #expect(sandbox.server.certificatePEM == certificateBefore)
        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": transactionID])
        #expect(status.xml("TransactionStatus") == "Success")
        let replay = try await sandbox.api("Pay", payParameters(token: token))
        #expect(replay.xml("TransactionId") == transactionID)
        let reuse = try await sandbox.api("Pay", payParameters(token: token, reference: "pay-2"))
        #expect(reuse.xml("Code") == "TokenUsageError")
        let fresh = try await sandbox.api("Pay", payParameters(token: unusedToken, reference: "pay-3"))
        #expect(fresh.xml("TransactionStatus") == "Success")
    }

    @Test("unknown action is InvalidParams")
    func unknownAction() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.api("Launch", [:])
        #expect(response.xml("Code") == "InvalidParams")
        #expect(response.xml("Message")?.contains("Launch") == true)
    }
}

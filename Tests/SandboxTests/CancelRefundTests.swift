import Foundation
import FPSClient
import Testing
@testable import Sandbox

@Suite("Sandbox Cancel and Refund")
struct CancelRefundTests {
    private func payParameters(token: String, amount: String, reference: String) -> [String: String] {
        ["SenderTokenId": token, "TransactionAmount.Value": amount, "TransactionAmount.CurrencyCode": "USD",
         "CallerReference": reference]
    }

    private func refundParameters(_ transactionID: String, reference: String, amount: String? = nil) -> [String: String] {
        var parameters = ["TransactionId": transactionID, "CallerReference": reference]
        if let amount {
            parameters["RefundAmount.Value"] = amount
            parameters["RefundAmount.CurrencyCode"] = "USD"
        }
        return parameters
    }

    /// Pays `amount` with a fresh card token and returns the transaction id.
    private func paid(_ sandbox: SandboxHarness, amount: String, reference: String = "pay-\(UUID().uuidString)") async throws -> String {
        let token = try await sandbox.token(amount: amount)
        let pay = try await sandbox.api("Pay", payParameters(token: token, amount: amount, reference: reference))
        return try #require(pay.xml("TransactionId"), "Pay failed: \(pay.body)")
    }

    // MARK: Cancel

    @Test("Cancel a reservation, then repeat it")
    func cancelReservation() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token(amount: "30.00", reserve: true)
        let reserve = try await sandbox.api("Reserve", payParameters(token: token, amount: "30.00", reference: "res-c"))
        let reserveID = try #require(reserve.xml("TransactionId"))

        let cancel = try await sandbox.api("Cancel", ["TransactionId": reserveID, "Description": "customer changed mind"])
        #expect(cancel.status == 200)
        #expect(cancel.body.contains("<CancelResponse"))
        #expect(cancel.xml("TransactionId") == reserveID)
        #expect(cancel.xml("TransactionStatus") == "Cancelled")

        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": reserveID])
        #expect(status.xml("TransactionStatus") == "Cancelled")
        #expect(status.xml("StatusCode") == "Canceled")

        let again = try await sandbox.api("Cancel", ["TransactionId": reserveID])
        #expect(again.status == 200)
        #expect(again.xml("TransactionId") == reserveID)
        #expect(again.xml("TransactionStatus") == "Cancelled")

        let settle = try await sandbox.api("Settle", ["ReserveTransactionId": reserveID])
        #expect(settle.xml("Code") == "InvalidTransactionState")
        let history = try sandbox.server.store.statusHistory(transactionID: reserveID).map(\.status)
        #expect(history == ["Reserved", "Cancelled"])
    }

    @Test("Cancel a pending payment stops it")
    func cancelPendingPayment() async throws {
        let sandbox = try SandboxHarness(pendingSeconds: 30)
        let transactionID = try await paid(sandbox, amount: "4.00")

        let cancel = try await sandbox.api("Cancel", ["TransactionId": transactionID])
        #expect(cancel.xml("TransactionStatus") == "Cancelled")

        sandbox.clock.advance(by: 60)
        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": transactionID])
        #expect(status.xml("TransactionStatus") == "Cancelled")
        #expect(status.xml("StatusCode") == "Canceled")
    }

    @Test("Cancel a completed payment is InvalidTransactionState")
    func cancelCompletedPayment() async throws {
        let sandbox = try SandboxHarness()
        let transactionID = try await paid(sandbox, amount: "4.00")

        let cancel = try await sandbox.api("Cancel", ["TransactionId": transactionID])

        #expect(cancel.status == 400)
        #expect(cancel.xml("Code") == "InvalidTransactionState")
        #expect(cancel.xml("Message")?.contains("Refund") == true)
    }

    @Test("Cancel an unknown id is InvalidTransactionId")
    func cancelUnknown() async throws {
        let sandbox = try SandboxHarness()
        let cancel = try await sandbox.api("Cancel", ["TransactionId": "NOSUCHTRANSACTION"])
        let missing = try await sandbox.api("Cancel", [:])

        #expect(cancel.xml("Code") == "InvalidTransactionId")
        #expect(missing.xml("Code") == "InvalidParams")
        #expect(missing.xml("Message")?.contains("TransactionId") == true)
    }

    // MARK: Refund

    @Test("Refund without amount returns everything")
    func refundEverything() async throws {
        let sandbox = try SandboxHarness()
        let payID = try await paid(sandbox, amount: "20.00")

        let refund = try await sandbox.api("Refund", refundParameters(payID, reference: "refund-all"))
        #expect(refund.status == 200)
        #expect(refund.body.contains("<RefundResponse"))
        #expect(refund.xml("TransactionStatus") == "Success")
        let refundID = try #require(refund.xml("TransactionId"))
        #expect(refundID != payID)
        #expect(refundID.count == 35)

        let record = try #require(try sandbox.server.store.transaction(id: refundID))
        #expect(record.amount.minorUnits == 2000)
        #expect(record.operation == .refund)
        #expect(record.parentTransactionID == payID)
        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": refundID])
        #expect(status.xml("TransactionStatus") == "Success")
        #expect(status.xml("CallerReference") == "refund-all")

        let more = try await sandbox.api("Refund", refundParameters(payID, reference: "refund-more"))
        #expect(more.status == 400)
        #expect(more.xml("Code") == "TransactionFullyRefundedAlready")
    }

    @Test("partial refunds add up to the charge")
    func partialRefunds() async throws {
        let sandbox = try SandboxHarness()
        let payID = try await paid(sandbox, amount: "20.00")

        let first = try await sandbox.api("Refund", refundParameters(payID, reference: "r1", amount: "5.00"))
        let second = try await sandbox.api("Refund", refundParameters(payID, reference: "r2", amount: "7.00"))
        let firstID = try #require(first.xml("TransactionId"))
        let secondID = try #require(second.xml("TransactionId"))
        #expect(firstID != secondID)

        let replay = try await sandbox.api("Refund", refundParameters(payID, reference: "r1", amount: "5.00"), method: "POST")
        #expect(replay.status == 200)
        #expect(replay.xml("TransactionId") == firstID)

        let changed = try await sandbox.api("Refund", refundParameters(payID, reference: "r1", amount: "6.00"))
        #expect(changed.xml("Code") == "DuplicateRequest")

        let tooMuch = try await sandbox.api("Refund", refundParameters(payID, reference: "r3", amount: "8.01"))
        #expect(tooMuch.status == 400)
        #expect(tooMuch.xml("Code") == "RefundAmountExceeded")

        let rest = try await sandbox.api("Refund", refundParameters(payID, reference: "r4"))
        let restID = try #require(rest.xml("TransactionId"))
        #expect(try sandbox.server.store.transaction(id: restID)?.amount.minorUnits == 800)

        let none = try await sandbox.api("Refund", refundParameters(payID, reference: "r5", amount: "0.01"))
        #expect(none.xml("Code") == "TransactionFullyRefundedAlready")
    }

    @Test("Refund of a settled reserve returns the settled amount")
    func refundSettledReserve() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token(amount: "20.00", reserve: true)
        let reserve = try await sandbox.api("Reserve", payParameters(token: token, amount: "20.00", reference: "res-r"))
        let reserveID = try #require(reserve.xml("TransactionId"))

        let early = try await sandbox.api("Refund", refundParameters(reserveID, reference: "early"))
        #expect(early.xml("Code") == "InvalidTransactionState")

        _ = try await sandbox.api("Settle", ["ReserveTransactionId": reserveID, "TransactionAmount.Value": "15.00",
                                             "TransactionAmount.CurrencyCode": "USD"])
        let over = try await sandbox.api("Refund", refundParameters(reserveID, reference: "over", amount: "15.01"))
        #expect(over.xml("Code") == "RefundAmountExceeded")

        let refund = try await sandbox.api("Refund", refundParameters(reserveID, reference: "after-settle"))
        let refundID = try #require(refund.xml("TransactionId"))
        #expect(try sandbox.server.store.transaction(id: refundID)?.amount.minorUnits == 1500)
    }

    @Test("Refund rules: reference, refund of refund, cancelled, unknown")
    func refundRules() async throws {
        let sandbox = try SandboxHarness()
        let payID = try await paid(sandbox, amount: "10.00")

        let noReference = try await sandbox.api("Refund", ["TransactionId": payID])
        #expect(noReference.xml("Code") == "InvalidParams")
        #expect(noReference.xml("Message")?.contains("CallerReference") == true)

        let refund = try await sandbox.api("Refund", refundParameters(payID, reference: "rr-1", amount: "1.00"))
        let refundID = try #require(refund.xml("TransactionId"))
        let ofRefund = try await sandbox.api("Refund", refundParameters(refundID, reference: "rr-2"))
        #expect(ofRefund.xml("Code") == "TransactionTypeNotRefundable")

        let unknown = try await sandbox.api("Refund", refundParameters("NOSUCHTRANSACTION", reference: "rr-3"))
        #expect(unknown.xml("Code") == "InvalidTransactionId")

        let zero = try await sandbox.api("Refund", refundParameters(payID, reference: "rr-4", amount: "0.00"))
        #expect(zero.xml("Code") == "AmountOutOfRange")

        let token = try await sandbox.token(amount: "3.00", reserve: true)
        let reserve = try await sandbox.api("Reserve", payParameters(token: token, amount: "3.00", reference: "res-x"))
        let reserveID = try #require(reserve.xml("TransactionId"))
        _ = try await sandbox.api("Cancel", ["TransactionId": reserveID])
        let cancelled = try await sandbox.api("Refund", refundParameters(reserveID, reference: "rr-5"))
        #expect(cancelled.xml("Code") == "InvalidTransactionState")
    }

    @Test("Refund has a pending phase like Pay")
    func pendingRefund() async throws {
        let sandbox = try SandboxHarness(pendingSeconds: 20)
        let payID = try await paid(sandbox, amount: "6.00")

        let early = try await sandbox.api("Refund", refundParameters(payID, reference: "pr-1"))
        #expect(early.xml("Code") == "InvalidTransactionState")

        sandbox.clock.advance(by: 20)
        let refund = try await sandbox.api("Refund", refundParameters(payID, reference: "pr-2", amount: "2.00"))
        #expect(refund.xml("TransactionStatus") == "Pending")
        let refundID = try #require(refund.xml("TransactionId"))
        // A Pending refund already counts against the refundable amount.
        let tooMuch = try await sandbox.api("Refund", refundParameters(payID, reference: "pr-3", amount: "4.01"))
        #expect(tooMuch.xml("Code") == "RefundAmountExceeded")

        sandbox.clock.advance(by: 20)
        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": refundID])
        #expect(status.xml("TransactionStatus") == "Success")
        #expect(status.xml("StatusCode") == "Success")
        #expect(status.xml("StatusMessage")?.contains("refunded") == true)
    }
}

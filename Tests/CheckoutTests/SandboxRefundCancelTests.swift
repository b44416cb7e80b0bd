import Checkout
import FPSClient
import Foundation
import Ledger
import Testing

@Suite("Sandbox refund and cancel", .serialized)
struct SandboxRefundCancelTests {
    @Test("pay, two partial refunds, over-refund")
    func partialRefunds() async throws {
        let rig = try SandboxRig()
        await rig.buildOrder(mode: .payNow)
        await rig.session.perform(.submitReturnURI(try await rig.approve()))
        await rig.session.perform(.pay)
        let payID = try #require(rig.session.state.transaction?.transactionID)
        #expect(rig.session.state.phase == .succeeded, "notice: \(rig.session.state.notice ?? "")")

        await rig.session.perform(.refund(amount: "10.00"))
        var state = rig.session.state
        #expect(state.refunds.map(\.status) == [.succeeded], "notice: \(state.notice ?? "")")
        await rig.session.perform(.refund(amount: "20.00"))
        state = rig.session.state
        #expect(state.refunds.map(\.status) == [.succeeded, .succeeded], "notice: \(state.notice ?? "")")
        #expect(state.refunded == Money(minorUnits: 3000))
        #expect(state.refundable == Money(minorUnits: 750))
        #expect(Set(state.refunds.map(\.callerReference)).count == 2)
        #expect(Set(state.refunds.compactMap(\.transactionID)).count == 2)

        // 7.51 is more than the 7.50 left: the session refuses without calling the sandbox.
        await rig.session.perform(.refund(amount: "7.51"))
        state = rig.session.state
        #expect(state.noticeIsProblem)
        #expect(state.notice?.contains("USD 7.50 not yet refunded of the USD 37.50 charged") == true)
        #expect(rig.actions.count("Refund") == 2)

        // The sandbox enforces the same limit on its side.
        await #expect(throws: FPSError.self) {
            _ = try await rig.actions.refund(transactionID: payID, callerReference: "outside-the-session-1",
                                             amount: Money(minorUnits: 751), callerDescription: nil)
        }
        // Re-sending the first refund with its reference returns the same transaction.
        let first = try #require(state.refunds.first)
        let replay = try await rig.actions.refund(transactionID: payID, callerReference: first.callerReference,
                                                  amount: first.amount, callerDescription: "Refund 1 of order \(state.orderID)")
        #expect(replay.transactionID == first.transactionID)

        await rig.session.perform(.refund(amount: nil))
        state = rig.session.state
        #expect(state.refunds.count == 3)
        #expect(state.refunded == Money(minorUnits: 3750))
        #expect(state.availability(of: .refund).allowed == false)
    }

    @Test("pending refund is polled on the sandbox")
    func pendingRefund() async throws {
        let rig = try SandboxRig(pendingSeconds: 0.4)
        await rig.buildOrder(mode: .payNow)
        await rig.session.perform(.submitReturnURI(try await rig.approve()))
        await rig.session.perform(.pay)
        #expect(rig.session.state.phase == .succeeded, "notice: \(rig.session.state.notice ?? "")")
        await rig.session.perform(.refund(amount: "5.00"))
        let state = rig.session.state
        #expect(state.refunds.first?.status == .succeeded, "notice: \(state.notice ?? "")")
        #expect(rig.actions.count("Refund") == 1)
        let refundID = try #require(state.refunds.first?.transactionID)
        // The Refund answer carries no StatusCode and the first status check adds one, so
        // Pending may appear twice in the history.
        let history = try rig.ledger.statusHistory(transactionID: refundID).map(\.status)
        #expect(history.first == "Pending")
        #expect(history.last == "Success")
        #expect(history.filter { $0 == "Success" }.count == 1)
    }

    @Test("reserve then cancel")
    func reserveCancel() async throws {
        let rig = try SandboxRig()
        await rig.buildOrder(mode: .reserveThenSettle)
        await rig.session.perform(.submitReturnURI(try await rig.approve()))
        await rig.session.perform(.reserve)
        #expect(rig.session.state.phase == .reserved, "notice: \(rig.session.state.notice ?? "")")
        let reserveID = try #require(rig.session.state.transaction?.transactionID)

        await rig.session.perform(.cancel)
        let state = rig.session.state
        #expect(state.phase == .cancelled, "notice: \(state.notice ?? "")")
        #expect(state.transaction?.status == .cancelled)
        #expect(rig.actions.count("Cancel") == 1)
        let status = try await rig.actions.getTransactionStatus(transactionID: reserveID)
        #expect(status.status == .cancelled)
        #expect(status.statusCode == "Canceled")
        #expect(state.availability(of: .settle).allowed == false)
        let audit = rig.session.auditTrail(limit: 10).map(\.action)
        #expect(audit.prefix(2) == ["cancel", "cancel"])
    }
}

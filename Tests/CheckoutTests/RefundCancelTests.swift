@testable import Checkout
import FPSClient
import Foundation
import Ledger
import SQLiteStore
import Testing

extension Harness {
    /// Authorizes and pays the 30.00 order, returning the Pay transaction id.
    @discardableResult
    func paid() async -> String {
        await authorize()
        await session.perform(.pay)
        return session.state.transaction?.transactionID ?? ""
    }

    /// Authorizes and reserves the 30.00 order, returning the Reserve transaction id.
    @discardableResult
    func reserved() async -> String {
        await authorize(mode: .reserveThenSettle)
        await session.perform(.reserve)
        return session.state.transaction?.transactionID ?? ""
    }
}

@Suite("Refund")
struct RefundTests {
    @Test("full refund without an amount")
    func fullRefund() async throws {
        let harness = try Harness()
        let payID = await harness.paid()
        #expect(harness.session.state.availability(of: .refund).allowed)

        await harness.session.perform(.refund(amount: nil))
        let state = harness.session.state
        #expect(state.phase == .succeeded)
        #expect(state.refunds.count == 1)
        #expect(state.refunds.first?.status == .succeeded)
        #expect(state.refunded == Money(minorUnits: 3000))
        #expect(state.refundable == Money(minorUnits: 0))
        #expect(state.notice?.hasPrefix("Refunded USD 30.00 (refund 1") == true)
        #expect(state.availability(of: .refund).allowed == false)

        let call = try #require(harness.fps.calls("Refund").first)
        #expect(call.transactionID == payID)
        #expect(call.amount == Money(minorUnits: 3000))
        #expect(call.callerReference == "\(state.callerReference)-refund-1")
    }

    @Test("partial refunds get distinct references")
    func partialRefunds() async throws {
        let harness = try Harness()
        await harness.paid()
        await harness.session.perform(.refund(amount: "10.00"))
        await harness.session.perform(.refund(amount: "5.50"))

        let state = harness.session.state
        #expect(state.refunds.map(\.amount.minorUnits) == [1000, 550])
        #expect(state.refunds.map(\.sequence) == [1, 2])
        #expect(state.refunded == Money(minorUnits: 1550))
        #expect(state.refundable == Money(minorUnits: 1450))
        let references = harness.fps.calls("Refund").compactMap(\.callerReference)
        #expect(references.count == 2)
        #expect(Set(references).count == 2)
        #expect(references == state.refunds.map(\.callerReference))

        let stored = try harness.ledger.refunds(orderID: harness.orderNumber)
        #expect(stored.map(\.status) == [.success, .success])
        #expect(stored.allSatisfy { $0.transactionID != nil })
    }

    @Test("over-refund is refused before sending")
    func overRefund() async throws {
        let harness = try Harness()
        await harness.paid()
        await harness.session.perform(.refund(amount: "20.00"))
        await harness.session.perform(.refund(amount: "10.01"))

        let state = harness.session.state
        #expect(state.noticeIsProblem)
        let notice = try #require(state.notice)
        #expect(notice.contains("Refund of USD 10.01"))
        #expect(notice.contains("USD 10.00 not yet refunded"))
        #expect(notice.contains("USD 30.00 charged"))
        #expect(notice.contains("USD 20.00 already refunded"))
        #expect(harness.fps.calls("Refund").count == 1)
        #expect(try harness.ledger.refunds(orderID: harness.orderNumber).count == 1)
    }

    @Test("ledger rejects refunds above the charge")
    func ledgerRejectsOverRefund() async throws {
        let harness = try Harness()
        await harness.paid()
        let payID = try #require(harness.session.state.transaction?.transactionID)
        let order = harness.orderNumber
        #expect(throws: LedgerError.refundExceedsCharge(orderID: order, requestedMinor: 3001, chargedMinor: 3000,
                                                        alreadyRefundedMinor: 0)) {
            _ = try harness.ledger.beginRefund(orderID: order, originalTransactionID: payID, amountMinor: 3001, currency: "USD",
                                               makeCallerReference: { "r\($0)" }, parameters: { $0 })
        }
        #expect(try harness.ledger.refunds(orderID: order).isEmpty)
    }

    @Test("refund amount is validated", arguments: ["abc", "0", "1,50"])
    func invalidAmount(amount: String) async throws {
        let harness = try Harness()
        await harness.paid()
        await harness.session.perform(.refund(amount: amount))
        #expect(harness.session.state.notice?.hasPrefix("Refund amount \"\(amount)\" is invalid") == true)
        #expect(harness.fps.calls("Refund").isEmpty)
    }

    @Test("retry reuses the refund's reference")
    func retryReusesReference() async throws {
        let harness = try Harness(maxAttempts: 2)
        await harness.paid()
        harness.fps.takesEffectBeforeErrors("Refund")
        harness.fps.fail("Refund", with: [.transport("timed out"), .transport("timed out")])
        await harness.session.perform(.refund(amount: "12.00"))

        var state = harness.session.state
        #expect(state.noticeIsProblem)
        #expect(state.refunds.first?.status == .requested)
        #expect(state.unresolvedRefund?.sequence == 1)
        #expect(state.refundable == Money(minorUnits: 1800))
        // Another amount must wait until the unknown refund is settled.
        await harness.session.perform(.refund(amount: "3.00"))
        #expect(harness.session.state.notice?.contains("unknown outcome") == true)
        #expect(harness.fps.calls("Refund").count == 2)

        await harness.session.perform(.refund(amount: nil))
        state = harness.session.state
        let calls = harness.fps.calls("Refund")
        #expect(calls.count == 3)
        #expect(Set(calls.compactMap(\.callerReference)).count == 1)
        #expect(calls.allSatisfy { $0.amount == Money(minorUnits: 1200) })
        #expect(state.refunds.count == 1)
        #expect(state.refunds.first?.status == .succeeded)
        #expect(state.refunded == Money(minorUnits: 1200))
    }

    @Test("rejected refund frees its amount")
    func rejectedRefund() async throws {
        let harness = try Harness()
        await harness.paid()
        harness.fps.fail("Refund", with: [.service(code: "TransactionTypeNotRefundable", message: "no", requestID: nil, httpStatus: 400)])
        await harness.session.perform(.refund(amount: "30.00"))
        var state = harness.session.state
        #expect(state.refunds.first?.status == .rejected)
        #expect(state.refundable == Money(minorUnits: 3000))
        #expect(state.notice?.contains("TransactionTypeNotRefundable") == true)

        await harness.session.perform(.refund(amount: "30.00"))
        state = harness.session.state
        #expect(state.refunds.map(\.status) == [.rejected, .succeeded])
        let references = harness.fps.calls("Refund").compactMap(\.callerReference)
        #expect(references.count == 2)
        #expect(references[0] != references[1])
    }

    @Test("pending refund is polled to success")
    func pendingRefund() async throws {
        let harness = try Harness()
        await harness.paid()
        harness.fps.answer("Refund", with: .pending)
        harness.fps.statusSequence([.pending, .success], for: "Refund")
        await harness.session.perform(.refund(amount: "7.00"))

        let state = harness.session.state
        #expect(state.refunds.first?.status == .succeeded)
        #expect(state.busyStep == nil)
        #expect(state.notice?.hasPrefix("Refunded USD 7.00") == true)
        let transactionID = try #require(state.refunds.first?.transactionID)
        #expect(harness.fps.calls("GetTransactionStatus").filter { $0.transactionID == transactionID }.count == 2)
        let history = try harness.ledger.statusHistory(transactionID: transactionID).map(\.status)
        #expect(history == ["Pending", "Success"])
    }

    @Test("refund needs a succeeded charge")
    func refundAvailability() async throws {
        let harness = try Harness()
        await harness.authorize()
        #expect(harness.session.state.availability(of: .refund).allowed == false)
        await harness.session.perform(.refund(amount: nil))
        #expect(harness.session.state.notice == "No charge to refund.")
        #expect(harness.fps.calls("Refund").isEmpty)
    }

    @Test("settled reserve refunds the settled amount")
    func refundSettled() async throws {
        let harness = try Harness()
        let reserveID = await harness.reserved()
        await harness.session.perform(.settle(amount: "25.00"))
        #expect(harness.session.state.charged == Money(minorUnits: 2500))
        await harness.session.perform(.refund(amount: "25.01"))
        #expect(harness.session.state.notice?.contains("USD 25.00 not yet refunded") == true)
        await harness.session.perform(.refund(amount: nil))
        let call = try #require(harness.fps.calls("Refund").first)
        #expect(call.transactionID == reserveID)
        #expect(call.amount == Money(minorUnits: 2500))
    }

    @Test("opening a paid order allows refund")
    func reopenPaid() async throws {
        let harness = try Harness()
        await harness.paid()
        let paidOrder = harness.session.state.orderID
        await harness.session.perform(.newOrder)
        #expect(harness.session.state.availability(of: .refund).allowed == false)
        await harness.session.perform(.open(orderID: paidOrder))
        let state = harness.session.state
        #expect(state.phase == .succeeded)
        #expect(state.charged == Money(minorUnits: 3000))
        #expect(state.availability(of: .refund).allowed)
    }

    @Test("interrupted refund is re-sent on restart")
    func interruptedRefund() async throws {
        let harness = try Harness()
        await harness.paid()
        let order = harness.orderNumber
        let payID = try #require(harness.session.state.transaction?.transactionID)
        let reference = harness.session.state.callerReference
        // The previous session journaled the refund and stopped before the answer.
        _ = try harness.ledger.beginRefund(orderID: order, originalTransactionID: payID, amountMinor: 900, currency: "USD",
                                           makeCallerReference: { CheckoutSession.refundReference(cbuiReference: reference, sequence: $0) },
                                           parameters: { $0 }, phase: CheckoutPhase.refunding.rawValue)
        let restarted = CheckoutSession(configuration: testConfiguration(), client: harness.fps, ledger: harness.ledger,
                                        authorize: fakeAuthorize)
        await restarted.waitUntilIdle()
        let state = restarted.state
        #expect(state.orderID == String(order))
        #expect(state.phase == .succeeded)
        #expect(state.refunds.first?.status == .succeeded)
        #expect(harness.fps.calls("Refund").map(\.callerReference) == ["\(reference)-refund-1"])
        #expect(try harness.ledger.journal(orderID: order, unfinishedOnly: true).isEmpty)
    }
}

@Suite("Cancel")
struct CancelTests {
    @Test("cancel of a reserve")
    func cancelReserve() async throws {
        let harness = try Harness()
        let reserveID = await harness.reserved()
        #expect(harness.session.state.availability(of: .cancel).allowed)
        await harness.session.perform(.cancel)

        let state = harness.session.state
        #expect(state.phase == .cancelled)
        #expect(state.transaction?.status == .cancelled)
        #expect(state.notice == "Cancelled transaction \(reserveID). No money moved, and the order is closed.")
        #expect(harness.fps.calls("Cancel").map(\.transactionID) == [reserveID])
        #expect(state.availability(of: .settle).allowed == false)
        #expect(state.availability(of: .cancel).allowed == false)
        #expect(state.availability(of: .refund).allowed == false)
        #expect(state.availability(of: .newOrder).allowed)
        let stored = try harness.ledger.transactions(orderID: harness.orderNumber)
        #expect(stored.first { $0.kind == .reserve }?.status == "Cancelled")
        #expect(stored.first { $0.kind == .cancel }?.status == "Cancelled")
        #expect(try harness.ledger.order(harness.orderNumber)?.phase == "cancelled")
    }

    @Test("cancel availability by phase")
    func cancelAvailability() async throws {
        let harness = try Harness()
        #expect(harness.session.state.availability(of: .cancel).allowed == false)
        await harness.authorize()
        #expect(harness.session.state.availability(of: .cancel).allowed == false)
        await harness.session.perform(.pay)
        let paid = harness.session.state.availability(of: .cancel)
        #expect(paid.allowed == false)
        #expect(paid.reason == "Completed; refund it instead.")

        var pendingSettle = harness.session.state
        pendingSettle.phase = .pending
        pendingSettle.transactionAction = .settle
        #expect(pendingSettle.availability(of: .cancel).allowed == false)
        pendingSettle.transactionAction = .pay
        #expect(pendingSettle.availability(of: .cancel).allowed)
    }

    @Test("cancel of a pending pay stops polling")
    func cancelPendingPay() async throws {
        let harness = try Harness(maxPolls: 1000)
        await harness.authorize()
        harness.fps.answer("Pay", with: .pending)
        harness.fps.statusSequence([.pending], for: "Pay")
        harness.session.send(.pay)
        // Wait until the Pay answered Pending and polling began.
        for _ in 0..<500 where harness.session.state.phase != .pending {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(harness.session.state.availability(of: .cancel).allowed)
        await harness.session.perform(.cancel)
        let state = harness.session.state
        #expect(state.phase == .cancelled)
        #expect(state.busyStep == nil)
        #expect(harness.fps.calls("Cancel").count == 1)
    }

    @Test("lost cancel response is not re-sent")
    func lostCancelResponse() async throws {
        let harness = try Harness()
        await harness.reserved()
        harness.fps.takesEffectBeforeErrors("Cancel")
        harness.fps.fail("Cancel", with: [.transport("connection reset")])
        await harness.session.perform(.cancel)
        #expect(harness.session.state.phase == .cancelled)
        #expect(harness.fps.calls("Cancel").count == 1)
        let actions = harness.fps.calls.map(\.action)
        #expect(actions.suffix(2) == ["Cancel", "GetTransactionStatus"])
    }

    @Test("refused cancel keeps the reserve")
    func refusedCancel() async throws {
        let harness = try Harness()
        await harness.reserved()
        harness.fps.fail("Cancel", with: [.service(code: "InvalidTransactionState", message: "no", requestID: nil, httpStatus: 400)])
        await harness.session.perform(.cancel)
        let state = harness.session.state
        #expect(state.phase == .reserved)
        #expect(state.noticeIsProblem)
        #expect(state.availability(of: .settle).allowed)
    }

    @Test("opening a reserved order allows settle and cancel")
    func reopenReserved() async throws {
        let harness = try Harness()
        await harness.reserved()
        let reservedOrder = harness.session.state.orderID
        await harness.session.perform(.newOrder)
        await harness.session.perform(.open(orderID: reservedOrder))
        let state = harness.session.state
        #expect(state.phase == .reserved)
        #expect(state.availability(of: .settle).allowed)
        #expect(state.availability(of: .cancel).allowed)
        #expect(state.availability(of: .refund).allowed == false)
    }
}

@Suite("Audit trail and lock")
struct AuditLockTests {
    @Test("clerk actions are audited")
    func auditRows() async throws {
        let harness = try Harness()
        await harness.paid()
        await harness.session.perform(.refund(amount: "1.00"))
        await harness.session.perform(.settle(amount: nil))

        let trail = harness.session.auditTrail(limit: 100)
        let actions = trail.reversed().map(\.action)
        #expect(actions == ["build_url", "verify_return", "pay", "pay", "refund", "refund", "refusal"])
        #expect(trail.allSatisfy { $0.desk == "front desk" && $0.clerk == "tester" })
        #expect(trail.allSatisfy { $0.orderID == harness.session.state.orderID })
        let pay = try #require(trail.first { $0.action == "pay" && $0.outcome.hasPrefix("Answered") })
        #expect(pay.amount == Money(minorUnits: 3000))
        // The token never appears in full.
        let token = makeTokenID("A")
        #expect(trail.allSatisfy { !$0.outcome.contains(token) })
        #expect(trail.first?.kind == .refusal)
    }

    @Test("SQLite rejects audit update and delete")
    func auditIsAppendOnly() async throws {
        let harness = try Harness()
        harness.session.recordAudit(action: .quit, outcome: "Console closed.")
        let database = try SQLiteDatabase(path: harness.directory.ledgerPath)
        #expect(throws: SQLiteError.self) { try database.run("UPDATE audit SET outcome = 'changed'") }
        #expect(throws: SQLiteError.self) { try database.run("DELETE FROM audit") }
        let rows = try database.query("SELECT outcome FROM audit")
        #expect(rows.map { $0.text("outcome") } == ["Console closed."])
    }

    @Test("lock refuses pay and keeps the order")
    func lockRefusesPay() async throws {
        let harness = try Harness()
        await harness.authorize()
        let before = harness.session.state
        await harness.session.perform(.lock)
        #expect(harness.session.state.isLocked)
        #expect(harness.session.state.availability(of: .pay).allowed == false)

        await harness.session.perform(.pay)
        await harness.session.perform(.addLine(description: "Lamp", quantity: "1", unitPrice: "3"))
        var state = harness.session.state
        #expect(harness.fps.calls("Pay").isEmpty)
        #expect(state.phase == .authorized)
        #expect(state.lines == before.lines)
        #expect(state.notice == "The console is locked, so nothing was changed or sent. Unlock it to continue.")

        await harness.session.perform(.unlock(clerk: "maria"))
        state = harness.session.state
        #expect(state.isLocked == false)
        #expect(state.clerk == "maria")
        await harness.session.perform(.pay)
        #expect(harness.session.state.phase == .succeeded)

        let trail = harness.session.auditTrail(limit: 50).reversed()
        let locking = trail.filter { ["lock", "unlock", "refusal"].contains($0.action) }.map { "\($0.action):\($0.clerk)" }
        #expect(locking == ["lock:tester", "refusal:tester", "refusal:tester", "unlock:maria"])
        #expect(trail.last?.clerk == "maria")
    }

    @Test("unlock needs a clerk name")
    func unlockNeedsClerk() async throws {
        let harness = try Harness()
        await harness.session.perform(.lock)
        await harness.session.perform(.unlock(clerk: "  "))
        #expect(harness.session.state.isLocked)
    }
}

@Suite("Order list")
struct OrderListTests {
    @Test("orders filter by phase and search")
    func filterAndSearch() async throws {
        let harness = try Harness()
        let payID = await harness.paid()
        let paidOrder = harness.session.state.orderID
        await harness.session.perform(.newOrder)
        await harness.session.perform(.addLine(description: "Red Kettle", quantity: "1", unitPrice: "40"))
        let openOrder = harness.session.state.orderID

        let all = harness.session.orders()
        #expect(all.map(\.orderID) == [openOrder, paidOrder])
        let paid = try #require(all.last)
        #expect(paid.phase == .succeeded)
        #expect(paid.total == Money(minorUnits: 3000))
        #expect(paid.firstLineDescription == "Blue mug")
        #expect(paid.transactionID == payID)
        #expect(paid.transactionStatus == .success)
        #expect(paid.desk == "front desk")

        #expect(harness.session.orders(phases: [.succeeded]).map(\.orderID) == [paidOrder])
        #expect(harness.session.orders(phases: []).isEmpty)
        #expect(harness.session.orders(search: "kettle").map(\.orderID) == [openOrder])
        #expect(harness.session.orders(search: "GIFT WRAP").map(\.orderID) == [paidOrder])
        #expect(harness.session.orders(search: payID.lowercased()).map(\.orderID) == [paidOrder])
        #expect(harness.session.orders(search: openOrder).map(\.orderID).contains(openOrder))
        #expect(harness.session.orders(search: "%").isEmpty)
        #expect(harness.session.orders(limit: 1).count == 1)
    }
}

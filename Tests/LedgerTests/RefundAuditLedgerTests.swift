import Foundation
import Ledger
import SQLiteStore
import Testing

/// Creates an order with one 30.00 line and a successful Pay `payID`.
private func paidOrder(_ ledger: Ledger, payID: String = "PAY1", description: String = "Blue mug") throws -> Int64 {
    let order = try ledger.createOrder(desk: "desk1", phase: "assembling", mode: "pay", currency: "USD") { "ref-\($0)" }
    try ledger.replaceLines(orderID: order.id, lines: [LedgerLine(description: description, quantity: 1, unitPriceMinor: 3000)])
    try ledger.recordTransaction(orderID: order.id, transactionID: payID, kind: .pay, callerReference: "ref-\(order.id)-pay",
                                 amountMinor: 3000, currency: "USD", status: "Success", statusCode: nil, phase: "succeeded")
    return order.id
}

@Suite("Ledger refunds")
struct LedgerRefundTests {
    @Test("refunds are numbered and checked against the charge")
    func refundsNumbered() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let order = try paidOrder(ledger)
        #expect(try ledger.chargedMinor(orderID: order) == 3000)

        let first = try ledger.beginRefund(orderID: order, originalTransactionID: "PAY1", amountMinor: 1000, currency: "USD",
                                           makeCallerReference: { "ref-refund-\($0)" }, parameters: { "CallerReference=\($0)" })
        #expect(first.refund.sequence == 1)
        #expect(first.refund.callerReference == "ref-refund-1")
        #expect(first.refund.status == .requested)
        let second = try ledger.beginRefund(orderID: order, originalTransactionID: "PAY1", amountMinor: 2000, currency: "USD",
                                            makeCallerReference: { "ref-refund-\($0)" }, parameters: { "CallerReference=\($0)" })
        #expect(second.refund.sequence == 2)
        #expect(throws: LedgerError.refundExceedsCharge(orderID: order, requestedMinor: 1, chargedMinor: 3000,
                                                        alreadyRefundedMinor: 3000)) {
            _ = try ledger.beginRefund(orderID: order, originalTransactionID: "PAY1", amountMinor: 1, currency: "USD",
                                       makeCallerReference: { "ref-refund-\($0)" }, parameters: { $0 })
        }

        // A failed refund no longer counts against the charge.
        try ledger.recordRefundStatus(refundID: second.refund.id, transactionID: "RF2", status: .failure, statusCode: nil)
        let third = try ledger.beginRefund(orderID: order, originalTransactionID: "PAY1", amountMinor: 2000, currency: "USD",
                                           makeCallerReference: { "ref-refund-\($0)" }, parameters: { $0 })
        #expect(third.refund.sequence == 3)

        let journal = try ledger.journal(orderID: order)
        #expect(journal.map(\.action) == ["Refund", "Refund", "Refund"])
        #expect(journal.first?.callerReference == "ref-refund-1")
        #expect(journal.first?.parameters == "CallerReference=ref-refund-1")
    }

    @Test("refund needs a charge")
    func refundNeedsCharge() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let order = try ledger.createOrder(desk: "desk1", phase: "assembling", mode: "pay", currency: "USD") { "ref-\($0)" }
        #expect(try ledger.chargedMinor(orderID: order.id) == nil)
        #expect(throws: LedgerError.nothingCharged(orderID: order.id)) {
            _ = try ledger.beginRefund(orderID: order.id, originalTransactionID: "X", amountMinor: 1, currency: "USD",
                                       makeCallerReference: { "r\($0)" }, parameters: { $0 })
        }
    }

    @Test("refund status history and detail")
    func refundStatusHistory() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let order = try paidOrder(ledger)
        let started = try ledger.beginRefund(orderID: order, originalTransactionID: "PAY1", amountMinor: 500, currency: "USD",
                                             makeCallerReference: { "ref-refund-\($0)" }, parameters: { $0 }, phase: "refunding")
        #expect(try ledger.order(order)?.phase == "refunding")
        try ledger.recordRefundStatus(refundID: started.refund.id, transactionID: "RF1", status: .pending,
                                      statusCode: "PendingNetworkResponse", phase: "succeeded")
        try ledger.recordRefundStatus(refundID: started.refund.id, transactionID: "RF1", status: .pending,
                                      statusCode: "PendingNetworkResponse")
        try ledger.recordRefundStatus(refundID: started.refund.id, transactionID: nil, status: .success, statusCode: "Success")

        let history = try ledger.statusHistory(transactionID: "RF1")
        #expect(history.map(\.status) == ["Pending", "Success"])
        let detail = try ledger.loadOrder(order)
        #expect(detail.order.phase == "succeeded")
        #expect(detail.chargedMinor == 3000)
        #expect(detail.refunds.count == 1)
        #expect(detail.refunds.first?.transactionID == "RF1")
        #expect(detail.refunds.first?.status == .success)
        // The latest transaction stays the Pay: refunds live in their own table.
        #expect(detail.latestTransaction?.transactionID == "PAY1")
    }
}

@Suite("Ledger audit and order list")
struct LedgerAuditTests {
    @Test("audit rows append and read newest first")
    func auditAppend() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        try ledger.appendAudit(desk: "d1", clerk: "ana", action: "lock", orderID: nil, amountMinor: nil, currency: nil, outcome: "Locked.")
        try ledger.appendAudit(desk: "d1", clerk: "ana", action: "pay", orderID: 7, amountMinor: 3000, currency: "USD", outcome: "Answered.")
        let trail = try ledger.auditTrail(limit: 10)
        #expect(trail.map(\.action) == ["pay", "lock"])
        #expect(trail.first?.orderID == 7)
        #expect(trail.first?.amountMinor == 3000)
        #expect(trail.last?.orderID == nil)
        #expect(try ledger.auditTrail(limit: 1).count == 1)
    }

    @Test("audit update and delete are rejected")
    func auditAppendOnly() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        try ledger.appendAudit(desk: "d1", clerk: "ana", action: "quit", orderID: nil, amountMinor: nil, currency: nil, outcome: "Closed.")
        let raw = try SQLiteDatabase(path: file.path)
        do {
            try raw.run("UPDATE audit SET clerk = 'mallory'")
            Issue.record("UPDATE on audit succeeded")
        } catch let error as SQLiteError {
            #expect(error.message.contains("append-only"))
        }
        do {
            try raw.run("DELETE FROM audit WHERE id = 1")
            Issue.record("DELETE on audit succeeded")
        } catch let error as SQLiteError {
            #expect(error.message.contains("append-only"))
        }
        #expect(try ledger.auditTrail().map(\.clerk) == ["ana"])
    }

    @Test("order summaries in one query")
    func orderSummaries() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let paid = try paidOrder(ledger, payID: "PAYXYZ", description: "Blue_mug 100%")
        let open = try ledger.createOrder(desk: "desk2", phase: "assembling", mode: "reserve", currency: "USD") { "other-\($0)" }

        let all = try ledger.orderSummaries()
        #expect(all.map(\.order.id) == [open.id, paid])
        let summary = try #require(all.first { $0.order.id == paid })
        #expect(summary.firstLineDescription == "Blue_mug 100%")
        #expect(summary.transactionID == "PAYXYZ")
        #expect(summary.transactionStatus == "Success")
        #expect(all.first { $0.order.id == open.id }?.transactionID == nil)

        #expect(try ledger.orderSummaries(phases: ["succeeded"]).map(\.order.id) == [paid])
        #expect(try ledger.orderSummaries(search: "payx").map(\.order.id) == [paid])
        #expect(try ledger.orderSummaries(search: "100%").map(\.order.id) == [paid])
        #expect(try ledger.orderSummaries(search: "e_m").map(\.order.id) == [paid])
        #expect(try ledger.orderSummaries(search: "e%m").isEmpty)
        #expect(try ledger.orderSummaries(phases: ["assembling"], search: "payx").isEmpty)
    }

    @Test("order list of 100,000 orders")
    func orderListScale() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let raw = try SQLiteDatabase(path: file.path)
        // Bulk rows through SQL in one transaction: 100,000 ledger calls would each wait for an fsync.
        let phases = ["assembling", "awaitingReturn", "reserved", "succeeded", "failed"]
        try raw.transaction {
            for index in 1...100_000 {
                let id = Int64(index)
                let phase = phases[index % phases.count]
                try raw.run("""
                    INSERT INTO orders (id, created, updated, phase, mode, currency, total_minor, caller_reference, desk)
                    VALUES (?, ?, ?, ?, 'pay', 'USD', 1000, ?, 'desk1')
                    """, [.integer(id), .integer(id * 1000), .integer(id * 1000), .text(phase), .text("bulk-\(index)")])
                try raw.run("INSERT INTO order_lines (order_id, position, description, quantity, unit_price_minor) VALUES (?, 0, ?, 1, 1000)",
                            [.integer(id), .text("Item \(index)")])
                if phase == "succeeded" || phase == "reserved" {
                    try raw.run("""
                        INSERT INTO transactions (transaction_id, order_id, kind, amount_minor, currency, status, updated)
                        VALUES (?, ?, 'pay', 1000, 'USD', 'Success', ?)
                        """, [.text("TX\(index)"), .integer(id), .integer(id * 1000)])
                }
            }
        }

        let clock = ContinuousClock()
        var page: [LedgerOrderSummary] = []
        let listTime = try clock.measure { page = try ledger.orderSummaries(limit: 500) }
        var filtered: [LedgerOrderSummary] = []
        let phaseTime = try clock.measure { filtered = try ledger.orderSummaries(phases: ["reserved"], limit: 500) }
        var found: [LedgerOrderSummary] = []
        let searchTime = try clock.measure { found = try ledger.orderSummaries(search: "item 99999", limit: 500) }
        print("order list over 100,000 orders: first 500 in \(listTime), 500 reserved in \(phaseTime), search in \(searchTime)")

        #expect(page.count == 500)
        #expect(page.first?.order.id == 100_000)
        #expect(filtered.count == 500)
        #expect(filtered.allSatisfy { $0.order.phase == "reserved" && $0.transactionID != nil })
        #expect(found.map(\.order.id) == [99_999])
    }
}

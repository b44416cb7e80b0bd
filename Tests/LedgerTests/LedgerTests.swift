import Foundation
import Ledger
import SQLiteStore
import Testing

/// A ledger file in a fresh temporary directory, removed when the test ends.
final class TemporaryLedgerFile {
    let directory: URL
    var path: String { directory.appendingPathComponent("ledger.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

private func makeOrder(_ ledger: Ledger, desk: String = "desk1") throws -> LedgerOrder {
    try ledger.createOrder(desk: desk, phase: "assembling", mode: "pay", currency: "USD") { id in "ref-\(desk)-\(id)" }
}

@Suite("Ledger")
struct LedgerTests {
    @Test("new file gets the current schema")
    func schemaVersion() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        #expect(try ledger.schemaVersion() == 3)
        // Opening again must not re-run the migration.
        let reopened = try Ledger(path: file.path)
        #expect(try reopened.schemaVersion() == 3)
    }

    @Test("newer schema is rejected")
    func newerSchemaRejected() throws {
        let file = try TemporaryLedgerFile()
        _ = try Ledger(path: file.path)
        let raw = try SQLiteDatabase(path: file.path)
        try raw.run("UPDATE schema_version SET version = 99")
        #expect(throws: LedgerError.newerSchema(found: 99, supported: 3)) { try Ledger(path: file.path) }
    }

    @Test("order and lines round trip")
    func orderRoundTrip() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let order = try makeOrder(ledger)
        #expect(order.callerReference == "ref-desk1-\(order.id)")
        #expect(order.phase == "assembling")
        #expect(order.totalMinor == 0)

        let lines = [
            LedgerLine(description: "Blue mug", quantity: 3, unitPriceMinor: 1999),
            LedgerLine(description: "Gift wrap", quantity: 1, unitPriceMinor: 250),
        ]
        try ledger.replaceLines(orderID: order.id, lines: lines)
        let detail = try ledger.loadOrder(order.id)
        #expect(detail.lines == lines)
        // 3 x 19.99 + 2.50 = 62.47
        #expect(detail.order.totalMinor == 6247)
        #expect(detail.order.currency == "USD")
        #expect(detail.order.desk == "desk1")
        #expect(detail.token == nil)
        #expect(detail.latestTransaction == nil)
        #expect(detail.cbuiURL == nil)

        // Editing a signed order resets its phase in the same commit.
        try ledger.setPhase(orderID: order.id, phase: "awaitingReturn")
        try ledger.replaceLines(orderID: order.id, lines: [lines[1]], phase: "assembling")
        let shorter = try ledger.loadOrder(order.id)
        #expect(shorter.lines == [lines[1]])
        #expect(shorter.order.totalMinor == 250)
        #expect(shorter.order.phase == "assembling")
    }

    @Test("line total overflow is rejected")
    func totalOverflow() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let order = try makeOrder(ledger)
        let huge = LedgerLine(description: "x", quantity: Int64.max / 2, unitPriceMinor: 3)
        #expect(throws: LedgerError.totalOverflow(orderID: order.id)) {
            try ledger.replaceLines(orderID: order.id, lines: [huge])
        }
        #expect(try ledger.loadOrder(order.id).lines.isEmpty)
    }

    @Test("unknown order is reported")
    func unknownOrder() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        #expect(throws: LedgerError.orderNotFound(42)) { try ledger.loadOrder(42) }
        #expect(throws: LedgerError.orderNotFound(42)) { try ledger.setPhase(orderID: 42, phase: "paying") }
        #expect(try ledger.order(42) == nil)
    }

    @Test("CBUI request replaces the reference")
    func cbuiRequest() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let order = try makeOrder(ledger)
        try ledger.recordCBUIRequest(orderID: order.id, callerReference: order.callerReference,
                                     url: "http://127.0.0.1/start?a=1&signature=abc", phase: "awaitingReturn")
        var detail = try ledger.loadOrder(order.id)
        #expect(detail.cbuiURL == "http://127.0.0.1/start?a=1&signature=abc")
        #expect(detail.order.phase == "awaitingReturn")

        // A rebuilt URL gets a new reference, so the old one no longer belongs to the order.
        try ledger.recordCBUIRequest(orderID: order.id, callerReference: "second-ref",
                                     url: "http://127.0.0.1/start?a=2&signature=def", phase: "awaitingReturn")
        detail = try ledger.loadOrder(order.id)
        #expect(detail.order.callerReference == "second-ref")
        #expect(detail.cbuiURL == "http://127.0.0.1/start?a=2&signature=def")
    }

    @Test("token round trip and phase")
    func tokenRoundTrip() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let order = try makeOrder(ledger)
        try ledger.recordToken(orderID: order.id, tokenID: "TOKEN-A", callerReference: order.callerReference,
                               statusCode: "SC", expiry: "07/2030", phase: "authorized")
        let detail = try ledger.loadOrder(order.id)
        #expect(detail.token?.tokenID == "TOKEN-A")
        #expect(detail.token?.statusCode == "SC")
        #expect(detail.token?.expiry == "07/2030")
        #expect(detail.order.phase == "authorized")
        #expect(try ledger.tokenOwner("TOKEN-A") == order.id)
        #expect(try ledger.tokenOwner("TOKEN-B") == nil)
    }

    @Test("duplicate token is rejected")
    func duplicateToken() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let first = try makeOrder(ledger)
        let second = try makeOrder(ledger)
        try ledger.recordToken(orderID: first.id, tokenID: "TOKEN-A", callerReference: first.callerReference,
                               statusCode: "SC", expiry: nil, phase: "authorized")

        #expect(throws: LedgerError.tokenAlreadyUsed(orderID: first.id)) {
            try ledger.recordToken(orderID: second.id, tokenID: "TOKEN-A", callerReference: second.callerReference,
                                   statusCode: "SC", expiry: nil, phase: "authorized")
        }
        // The same order replaying its own return URI is rejected too.
        #expect(throws: LedgerError.tokenAlreadyUsed(orderID: first.id)) {
            try ledger.recordToken(orderID: first.id, tokenID: "TOKEN-A", callerReference: first.callerReference,
                                   statusCode: "SC", expiry: nil, phase: "authorized")
        }
        // The rejected write changed nothing on the second order.
        let detail = try ledger.loadOrder(second.id)
        #expect(detail.token == nil)
        #expect(detail.order.phase == "assembling")
    }

    @Test("transaction status history")
    func transactionHistory() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let order = try makeOrder(ledger)
        try ledger.recordTransaction(orderID: order.id, transactionID: "TX1", kind: .reserve, callerReference: "r-reserve",
                                     amountMinor: 5000, currency: "USD", status: "Pending", statusCode: nil, phase: "pending")
        // A poll that returns the same status adds no history entry.
        try ledger.updateTransactionStatus(transactionID: "TX1", kind: .reserve, status: "Pending", statusCode: nil)
        try ledger.updateTransactionStatus(transactionID: "TX1", kind: .reserve, status: "Reserved", statusCode: "Success",
                                           phase: "reserved")
        // Settle reuses the reserve's transaction id in a row of its own.
        try ledger.recordTransaction(orderID: order.id, transactionID: "TX1", kind: .settle, callerReference: nil,
                                     amountMinor: 4000, currency: "USD", status: "Pending", statusCode: nil, phase: "pending")
        try ledger.updateTransactionStatus(transactionID: "TX1", kind: .settle, status: "Success", statusCode: "Success",
                                           phase: "succeeded")

        let history = try ledger.statusHistory(transactionID: "TX1")
        #expect(history.map(\.status) == ["Pending", "Reserved", "Pending", "Success"])
        #expect(history.map(\.kind) == [.reserve, .reserve, .settle, .settle])

        let transactions = try ledger.transactions(orderID: order.id)
        #expect(transactions.count == 2)
        #expect(transactions[0].kind == .reserve)
        #expect(transactions[0].status == "Reserved")
        #expect(transactions[0].callerReference == "r-reserve")
        #expect(transactions[1].kind == .settle)
        #expect(transactions[1].amountMinor == 4000)
        #expect(transactions[1].callerReference == nil)

        let detail = try ledger.loadOrder(order.id)
        #expect(detail.latestTransaction?.kind == .settle)
        #expect(detail.latestTransaction?.status == "Success")
        #expect(detail.order.phase == "succeeded")

        #expect(throws: LedgerError.transactionNotFound("NOPE")) {
            try ledger.updateTransactionStatus(transactionID: "NOPE", kind: .pay, status: "Success", statusCode: nil)
        }
    }

    @Test("journal begin and finish")
    func journal() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let order = try makeOrder(ledger)
        let entry = try ledger.beginCall(orderID: order.id, action: "Pay", callerReference: "r-pay", transactionID: nil,
                                         amountMinor: 1250, currency: "USD", parameters: "SenderTokenId=TOKE…[64 chars]",
                                         phase: "paying")
        #expect(try ledger.order(order.id)?.phase == "paying")
        var unfinished = try ledger.journal(orderID: order.id, unfinishedOnly: true)
        #expect(unfinished.count == 1)
        #expect(unfinished.first?.id == entry)
        #expect(unfinished.first?.action == "Pay")
        #expect(unfinished.first?.callerReference == "r-pay")
        #expect(unfinished.first?.amountMinor == 1250)
        #expect(unfinished.first?.finished == nil)

        try ledger.finishCall(entry, outcome: .answered, result: "Pending", transactionID: "TX9")
        unfinished = try ledger.journal(orderID: order.id, unfinishedOnly: true)
        #expect(unfinished.isEmpty)
        let all = try ledger.journal(orderID: order.id)
        #expect(all.count == 1)
        #expect(all.first?.outcome == .answered)
        #expect(all.first?.result == "Pending")
        #expect(all.first?.transactionID == "TX9")
        #expect(all.first?.finished != nil)
    }

    @Test("list filters and order")
    func listOrders() throws {
        let file = try TemporaryLedgerFile()
        let ledger = try Ledger(path: file.path)
        let first = try makeOrder(ledger)
        let second = try makeOrder(ledger)
        let third = try makeOrder(ledger, desk: "desk2")
        try ledger.setPhase(orderID: second.id, phase: "reserved")

        #expect(try ledger.listOrders().map(\.id) == [third.id, second.id, first.id])
        #expect(try ledger.listOrders(phases: ["reserved"]).map(\.id) == [second.id])
        #expect(try ledger.listOrders(phases: ["assembling"], desk: "desk1").map(\.id) == [first.id])
        #expect(try ledger.listOrders(phases: []).isEmpty)
        #expect(try ledger.listOrders(limit: 1).map(\.id) == [third.id])
    }

    @Test("reopened file keeps everything")
    func restartKeepsState() throws {
        let file = try TemporaryLedgerFile()
        var orderID: Int64 = 0
        do {
            let ledger = try Ledger(path: file.path)
            let order = try makeOrder(ledger)
            orderID = order.id
            try ledger.replaceLines(orderID: orderID, lines: [LedgerLine(description: "Lamp", quantity: 2, unitPriceMinor: 4500)])
            try ledger.setMode(orderID: orderID, mode: "reserve")
            try ledger.recordToken(orderID: orderID, tokenID: "TOKEN-R", callerReference: order.callerReference,
                                   statusCode: "SC", expiry: nil, phase: "authorized")
            try ledger.recordTransaction(orderID: orderID, transactionID: "TXR", kind: .reserve, callerReference: "r-reserve",
                                         amountMinor: 9000, currency: "USD", status: "Reserved", statusCode: nil,
                                         phase: "reserved")
            _ = try ledger.beginCall(orderID: orderID, action: "Settle", callerReference: nil, transactionID: "TXR",
                                     amountMinor: 9000, currency: "USD", parameters: "ReserveTransactionId=TXR")
        }
        let reopened = try Ledger(path: file.path)
        let detail = try reopened.loadOrder(orderID)
        #expect(detail.order.phase == "reserved")
        #expect(detail.order.mode == "reserve")
        #expect(detail.order.totalMinor == 9000)
        #expect(detail.lines == [LedgerLine(description: "Lamp", quantity: 2, unitPriceMinor: 4500)])
        #expect(detail.token?.tokenID == "TOKEN-R")
        #expect(detail.latestTransaction?.transactionID == "TXR")
        #expect(try reopened.journal(orderID: orderID, unfinishedOnly: true).first?.action == "Settle")
        #expect(try reopened.tokenOwner("TOKEN-R") == orderID)
    }

    @Test("two connections interleave writes")
    func twoConnections() async throws {
        let file = try TemporaryLedgerFile()
        let ledgers = [try Ledger(path: file.path), try Ledger(path: file.path)]
        let perConnection = 40

        // Each connection writes from its own task at the same time as the other.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, ledger) in ledgers.enumerated() {
                group.addTask {
                    for number in 0..<perConnection {
                        let order = try ledger.createOrder(desk: "desk\(index)", phase: "assembling", mode: "pay",
                                                           currency: "USD") { id in "ref-\(index)-\(id)" }
                        try ledger.replaceLines(orderID: order.id, lines: [
                            LedgerLine(description: "item \(number)", quantity: 1, unitPriceMinor: Int64(number + 1)),
                        ])
                        try ledger.recordToken(orderID: order.id, tokenID: "T-\(index)-\(number)",
                                               callerReference: order.callerReference, statusCode: "SC", expiry: nil,
                                               phase: "authorized")
                    }
                }
            }
            try await group.waitForAll()
        }

        let reader = try Ledger(path: file.path)
        let orders = try reader.listOrders(limit: 1000)
        #expect(orders.count == 2 * perConnection)
        #expect(Set(orders.map(\.id)).count == 2 * perConnection)
        for index in 0..<2 {
            let deskOrders = orders.filter { $0.desk == "desk\(index)" }
            #expect(deskOrders.count == perConnection)
            // Sum of 1...40 minor units.
            #expect(deskOrders.map(\.totalMinor).reduce(0, +) == Int64(perConnection * (perConnection + 1) / 2))
            #expect(deskOrders.allSatisfy { $0.phase == "authorized" })
        }
        for order in orders {
            #expect(try reader.loadOrder(order.id).token != nil)
        }
    }
}

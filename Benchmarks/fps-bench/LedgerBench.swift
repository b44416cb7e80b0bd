import Foundation
import Ledger

/// Ledger measures: filling a ledger for the console's memory test, listing orders at that
/// size, and the rate of small durable commits that bounds every write on this disk.
enum LedgerBench {
    /// Adds orders until the ledger at `--path` contains `--orders`, each with one to three lines
    /// and most of them finished, as a desk's history would look.
    static func fill(_ options: Options) throws {
        let path = try options.string("path")
        let target = try options.int("orders", 100_000)
        let ledger = try Ledger(path: path)
        let existing = try ledger.listOrders(limit: target + 1).count
        let phases = ["succeeded", "succeeded", "succeeded", "failed", "reserved", "awaitingReturn"]
        for index in existing..<target {
            let order = try ledger.createOrder(desk: "desk\(index % 4 + 1)", phase: "assembling", mode: index % 5 == 0 ? "reserve" : "pay",
                                               currency: "USD") { id in "desk-\(id)-1" }
            let lines = (0...(index % 3)).map { line in
                LedgerLine(description: "Item \(line + 1) of order \(index)", quantity: Int64(line + 1), unitPriceMinor: Int64(199 + index % 5000))
            }
            try ledger.replaceLines(orderID: order.id, lines: lines, phase: phases[index % phases.count])
            if index % 20_000 == 0 { note("ledger fill: \(index) of \(target) orders") }
        }
        emit("ledger_fill", ["orders": target, "added": max(0, target - existing)])
    }

    /// Times `listOrders` with its default page of 200 and with every order.
    static func list(_ options: Options) throws {
        let path = try options.string("path")
        let repeats = try options.int("repeats", 15)
        let ledger = try Ledger(path: path)
        var page: [Double] = []
        var all: [Double] = []
        var allCount = 0
        for _ in 0..<repeats {
            var start = Measure.now()
            consume(try ledger.listOrders().count)
            page.append(Double(Measure.now() - start) / 1e6)
            start = Measure.now()
            allCount = try ledger.listOrders(limit: Int.max).count
            all.append(Double(Measure.now() - start) / 1e6)
        }
        emit("ledger_list", ["page_ms": Measure.median(page), "all_ms": Measure.median(all), "orders": allCount])
    }

    /// Small durable commits per second through the Ledger: each `setPhase` is one UPDATE
    /// committed with WAL and synchronous=FULL, so each waits for one fsync of the WAL.
    static func commits(_ options: Options) throws {
        let seconds = try options.double("seconds", 3)
        let folder = try ScratchFolder("commits")
        defer { folder.remove() }
        let ledger = try Ledger(path: folder.path + "/ledger.sqlite")
        let order = try ledger.createOrder(desk: "bench", phase: "assembling", mode: "pay", currency: "USD") { "bench-\($0)" }
        var flip = false
        let rate = Measure.rate(seconds: seconds, batch: 4) {
            flip.toggle()
            try? ledger.setPhase(orderID: order.id, phase: flip ? "authorized" : "assembling")
        }
        emit("commits", ["commits_per_s": rate])
    }
}

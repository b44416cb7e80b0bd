import Checkout
import FPSClient
import Foundation
import Ledger

/// `fps-checkout reconcile`: resolves every money-moving request the ledger has no outcome
/// for, then compares the ledger's recent and non-final transactions with the endpoint.
enum ReconcileCommand {
    static let options: [OptionSpec] = [
        OptionSpec(name: "ledger", valueName: "PATH", help: "Ledger SQLite file (env FPS_CHECKOUT_LEDGER; default $XDG_DATA_HOME/fps-checkout/ledger.sqlite)."),
        OptionSpec(name: "sandbox-data", valueName: "PATH", help: "Embedded sandbox SQLite file, used when no endpoint is configured (env FPS_CHECKOUT_SANDBOX_DATA; default beside the ledger)."),
        OptionSpec(name: "desk", valueName: "NAME", help: "Resolve only this desk's open requests (default: every desk). The comparison always covers every desk."),
        OptionSpec(name: "recent-hours", valueName: "HOURS", help: "Compare final transactions updated within this many hours, 0 to 8760; non-final ones are always compared (default 24)."),
        OptionSpec(name: "timeout", valueName: "SECONDS", help: "Time limit for each HTTP request, 1 to 300 (default 10)."),
        OptionSpec(name: "json", valueName: nil, help: "Print the report as one JSON object on stdout, keys sorted."),
    ] + EndpointWiring.options

    static let help = """
    Resolves the ledger's open money-moving requests as a restarted console does: Pay, Reserve
    and Refund are sent again with their CallerReference, Settle and Cancel only after the
    target's status shows they did not arrive, and Pending transactions get a status check.
    Orders another running console holds are left to it. Then every transaction that is not
    final, or was updated within --recent-hours, is compared with GetTransactionStatus, and
    each disagreement is printed. Nothing is changed to match the endpoint: a disagreement
    needs a person.

    Exit codes:
      0  the ledger and the endpoint agree
      1  a disagreement was found, or a request is held by another console
      2  usage or configuration error; nothing was sent
      3  the endpoint was unreachable or failing, so some requests or transactions stay unchecked
    """

    /// One transaction whose ledger status differs from the endpoint's.
    struct Disagreement {
        var orderID: Int64
        var transactionID: String
        var kind: String
        var ledgerStatus: String
        var endpointStatus: String
    }

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws -> Int32 {
        let json = arguments.has("json")
        let merged = EndpointWiring.environment(arguments, environment)
        let settings = try Settings.load(arguments, environment: merged)
        let hours = try integerOption("recent-hours", in: arguments, range: 0...8760, fallback: 24, unit: "hours")
        let timeout = try integerOption("timeout", in: arguments, range: 1...300, fallback: 10, unit: "seconds")
        guard FileManager.default.fileExists(atPath: settings.ledgerPath) else {
            throw ArgumentError(description: "The ledger \(settings.ledgerPath) does not exist: pass --ledger or set FPS_CHECKOUT_LEDGER to the console's ledger file.")
        }
        let ledger = try Ledger(path: settings.ledgerPath)
        let wiring = try EndpointWiring.connect(settings) { _ in }
        defer { wiring.sandbox?.stop() }

        let client = FPSAPIClient(endpoint: wiring.endpoints.api, credentials: wiring.credentials,
                                  transport: URLSessionTransport(timeoutSeconds: timeout))
        let configuration = CheckoutConfiguration(endpoints: wiring.endpoints, credentials: wiring.credentials,
                                                  desk: settings.desk, clerk: "reconcile")
        let recovery = IntentRecovery(ledger: ledger, client: client, configuration: configuration,
                                      owner: IntentRecovery.makeOwner(desk: "reconcile"),
                                      log: { kind, text in if !json && kind != .info { printError(text) } })
        let desk = arguments.value("desk")
        let since = Date().addingTimeInterval(-Double(hours) * 3600)
        return DriveCommand.runBlocking {
            let recovered = await recovery.resolveAll(desk: desk)
            let comparison = await compare(ledger: ledger, client: client, since: since)
            return report(recovered: recovered, comparison: comparison, json: json)
        }
    }

    struct Comparison {
        var checked = 0
        var disagreements: [Disagreement] = []
        /// Transactions whose status could not be read, with the reason.
        var unchecked: [(transactionID: String, reason: String)] = []
        var failuresInARow = 0
    }

    /// Compares the latest ledger row of each recent or non-final transaction, and each such
    /// refund, with the endpoint's status.
    static func compare(ledger: Ledger, client: FPSAPIClient, since: Date) async -> Comparison {
        var comparison = Comparison()
        let rows: [LedgerTransaction]
        let refunds: [LedgerRefund]
        do {
            rows = try ledger.transactionsToReconcile(since: since, finalStatuses: ["Success", "Failure", "Cancelled"])
            refunds = try ledger.refundsToReconcile(since: since)
        } catch {
            comparison.unchecked.append(("-", "the ledger could not be read: \(error)"))
            return comparison
        }
        // A Settle or Cancel row shares its target's id and comes later, so the last row per
        // id carries the status the endpoint reports for it.
        var latest: [String: LedgerTransaction] = [:]
        var order: [String] = []
        for row in rows {
            if latest[row.transactionID] == nil { order.append(row.transactionID) }
            latest[row.transactionID] = row
        }
        for id in order {
            guard let row = try? ledger.transactions(orderID: latest[id]!.orderID).last(where: { $0.transactionID == id }) else { continue }
            if endpointLooksDown(comparison) {
                comparison.unchecked.append((id, "skipped: the endpoint failed the last \(unreachableLimit) checks"))
                continue
            }
            await check(id: id, orderID: row.orderID, kind: row.kind.rawValue, ledgerStatus: row.status,
                        client: client, into: &comparison) { $0.rawValue }
        }
        for refund in refunds {
            guard let id = refund.transactionID else { continue }
            if endpointLooksDown(comparison) {
                comparison.unchecked.append((id, "skipped: the endpoint failed the last \(unreachableLimit) checks"))
                continue
            }
            await check(id: id, orderID: refund.orderID, kind: "refund", ledgerStatus: refund.status.rawValue,
                        client: client, into: &comparison, endpointWord: refundWord)
        }
        return comparison
    }

    /// Checks in a row that failed after all attempts before the rest are skipped.
    static let unreachableLimit = 3

    private static func endpointLooksDown(_ comparison: Comparison) -> Bool {
        comparison.failuresInARow >= unreachableLimit
    }

    /// Returns the ledger's refund status word for an endpoint status.
    static func refundWord(_ status: TransactionStatus) -> String {
        switch status {
        case .success: return LedgerRefundStatus.success.rawValue
        case .failure, .cancelled: return LedgerRefundStatus.failure.rawValue
        case .pending, .reserved: return LedgerRefundStatus.pending.rawValue
        }
    }

    /// Reads one status, trying up to four times while the failure is transient (waits of
    /// 0.1, 0.4 and 1.6 s), and records agreement, disagreement or an unchecked transaction.
    private static func check(id: String, orderID: Int64, kind: String, ledgerStatus: String, client: FPSAPIClient,
                              into comparison: inout Comparison, endpointWord: (TransactionStatus) -> String) async {
        var attempt = 1
        var outcome: Result<TransactionResult, FPSError>
        while true {
            do {
                outcome = .success(try await client.getTransactionStatus(transactionID: id))
            } catch {
                outcome = .failure(error)
            }
            guard case .failure(let error) = outcome, error.isRetryable, attempt < 4 else { break }
            try? await Task.sleep(for: .milliseconds(100) * (1 << (2 * (attempt - 1))))
            attempt += 1
        }
        switch outcome {
        case .success(let result):
            comparison.failuresInARow = 0
            comparison.checked += 1
            let word = endpointWord(result.status)
            if word != ledgerStatus {
                comparison.disagreements.append(Disagreement(orderID: orderID, transactionID: id, kind: kind,
                                                             ledgerStatus: ledgerStatus, endpointStatus: word))
            }
        case .failure(let error) where error.isRetryable:
            comparison.failuresInARow += 1
            comparison.unchecked.append((id, error.description))
        case .failure(let error):
            // InvalidTransactionId and the like: the endpoint does not have what the ledger has.
            comparison.failuresInARow = 0
            comparison.checked += 1
            comparison.disagreements.append(Disagreement(orderID: orderID, transactionID: id, kind: kind,
                                                         ledgerStatus: ledgerStatus, endpointStatus: error.code ?? "error"))
        }
    }

    /// Prints the report and returns the exit code.
    static func report(recovered: [RecoveredIntent], comparison: Comparison, json: Bool) -> Int32 {
        let unreachable = !comparison.unchecked.isEmpty || recovered.contains {
            if case .unknown = $0.outcome { return true }
            return false
        }
        let busy = recovered.contains {
            if case .busy = $0.outcome { return true }
            return false
        }
        let code: Int32 = unreachable ? 3 : (!comparison.disagreements.isEmpty || busy ? 1 : 0)
        if json {
            let object: [String: Any] = [
                "recovered": recovered.map { ["orderId": $0.orderID, "action": $0.action, "resolved": $0.isResolved, "summary": $0.summary] },
                "checked": comparison.checked,
                "disagreements": comparison.disagreements.map {
                    ["orderId": $0.orderID, "transactionId": $0.transactionID, "kind": $0.kind,
                     "ledgerStatus": $0.ledgerStatus, "endpointStatus": $0.endpointStatus]
                },
                "unchecked": comparison.unchecked.map { ["transactionId": $0.transactionID, "reason": $0.reason] },
                "agree": code == 0,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(recovered.isEmpty ? "No open requests to recover." : "Recovered \(recovered.filter(\.isResolved).count) of \(recovered.count) open requests:")
            for intent in recovered { print("  \(intent.summary)") }
            print("Compared \(comparison.checked) transactions with the endpoint.")
            for item in comparison.disagreements {
                print("  DISAGREE order \(item.orderID) \(item.kind) \(item.transactionID): ledger \(item.ledgerStatus), endpoint \(item.endpointStatus)")
            }
            for item in comparison.unchecked { print("  UNCHECKED \(item.transactionID): \(item.reason)") }
            switch code {
            case 0: print("The ledger and the endpoint agree.")
            case 3: print("The endpoint was unreachable or failing for some checks; run reconcile again later.")
            default: print("Disagreements found: check these orders by hand.")
            }
        }
        return code
    }
}

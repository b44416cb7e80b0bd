import FPSClient
import Foundation
import Ledger

/// One interrupted or unresolved request and what recovery found out about it.
public struct RecoveredIntent: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The endpoint has the transaction, with this status; the ledger now agrees.
        case transaction(id: String, status: TransactionStatus, statusCode: String?)
        /// The endpoint rejected the request, so it created no transaction.
        case notCreated(reason: String)
        /// No usable response arrived, so the request stays open in the journal.
        case unknown(reason: String)
        /// Another live session holds the order's lease, so this one left it alone.
        case busy(owner: String)
    }

    public var orderID: Int64
    /// The FPS action re-sent or checked: Pay, Reserve, Settle, Cancel, Refund, or
    /// GetTransactionStatus for a transaction left Pending.
    public var action: String
    public var outcome: Outcome

    /// True when the ledger and the endpoint agree on this request now.
    public var isResolved: Bool {
        switch outcome {
        case .transaction, .notCreated: return true
        case .unknown, .busy: return false
        }
    }

    /// A short line such as "order 14 Pay → Success".
    public var summary: String {
        switch outcome {
        case .transaction(let id, let status, let code):
            let detail = code.map { $0 == status.rawValue ? "" : " (\($0))" } ?? ""
            return "order \(orderID) \(action) → \(status.rawValue)\(detail), transaction \(id)"
        case .notCreated(let reason):
            return "order \(orderID) \(action) → not created: \(reason)"
        case .unknown(let reason):
            return "order \(orderID) \(action) → still unknown: \(reason)"
        case .busy(let owner):
            return "order \(orderID) → left to \(owner), which holds it"
        }
    }
}

/// Finds the money-moving requests that a stopped or unlucky session left without a known
/// outcome, and resolves each one until the ledger and the endpoint agree.
///
/// Pay, Reserve and Refund are sent again with their CallerReference and parameters, so the
/// endpoint returns the original transaction when the first request arrived. Settle and
/// Cancel carry no reference: the target's status shows whether they arrived, and they are
/// sent again only when it shows they did not. A transaction left Pending gets one status
/// check. Each order is worked on under its ledger lease, so two processes never resolve the
/// same request at once.
public final class IntentRecovery: Sendable {
    let ledger: Ledger
    let client: any FPSActions
    let configuration: CheckoutConfiguration
    let owner: String
    private let progress: @Sendable (String) -> Void
    private let log: @Sendable (FPSEvent.Kind, String) -> Void

    static let callingPhases: [CheckoutPhase] = [.paying, .reserving, .settling, .cancelling, .refunding]

    /// `owner` names this session in order leases; `progress` receives busy-step text and
    /// `log` one line per request re-sent, checked or left open.
    public init(ledger: Ledger, client: any FPSActions, configuration: CheckoutConfiguration, owner: String,
                progress: @escaping @Sendable (String) -> Void = { _ in },
                log: @escaping @Sendable (FPSEvent.Kind, String) -> Void = { _, _ in }) {
        self.ledger = ledger
        self.client = client
        self.configuration = configuration
        self.owner = owner
        self.progress = progress
        self.log = log
    }

    /// Builds a lease owner name that is unique per session: desk, process id and a random part.
    public static func makeOwner(desk: String) -> String {
        "\(desk):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Returns false when `owner` names a process on this machine that no longer runs. SQLite
    /// in WAL mode needs every process that shares the file on one machine, so the process id
    /// part of a lease owner can be checked here.
    public static func isOwnerAlive(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), pid > 0 else { return true }
        if pid == getpid() { return true }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        return !isZombie(pid)
    }

    /// True when `/proc/<pid>/stat` shows state `Z`: the process has exited and only waits for
    /// its parent to reap it. `kill(pid, 0)` still succeeds for such a process, and in a
    /// container whose init never reaps orphans it can stay that way indefinitely.
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let commandEnd = stat.lastIndex(of: ")") else { return false }
        // The state is the first field after the command name, which is in parentheses and may contain spaces.
        let rest = stat[stat.index(after: commandEnd)...].drop(while: { $0 == " " })
        return rest.first == "Z"
    }

    /// Resolves every order of `desk` (every desk when nil) that may have money in flight.
    public func resolveAll(desk: String?) async -> [RecoveredIntent] {
        let phases = (Self.callingPhases + [.pending]).map(\.rawValue)
        let orders: [Int64]
        do {
            orders = try ledger.ordersNeedingRecovery(desk: desk, phases: phases)
        } catch {
            log(.failure, "Recovery could not list unfinished orders: \(error).")
            return []
        }
        var results: [RecoveredIntent] = []
        for orderID in orders {
            results += await resolve(orderID: orderID)
        }
        return results
    }

    /// Resolves one order's unfinished requests under its lease. Returns one entry per request.
    public func resolve(orderID: Int64) async -> [RecoveredIntent] {
        do {
            let claim = try ledger.claimOrder(orderID, owner: owner, duration: configuration.leaseDuration,
                                              isOwnerAlive: Self.isOwnerAlive)
            if case .heldBy(let holder, _) = claim {
                log(.info, "Order \(orderID) is held by \(holder); recovery leaves it to that session.")
                return [RecoveredIntent(orderID: orderID, action: "Recovery", outcome: .busy(owner: holder))]
            }
        } catch {
            log(.failure, "Recovery could not claim order \(orderID): \(error).")
            return [RecoveredIntent(orderID: orderID, action: "Recovery", outcome: .unknown(reason: "\(error)"))]
        }
        defer { try? ledger.releaseOrder(orderID, owner: owner) }
        return await resolveClaimed(orderID: orderID)
    }

    private func resolveClaimed(orderID: Int64) async -> [RecoveredIntent] {
        var results: [RecoveredIntent] = []
        let unfinished = (try? ledger.journal(orderID: orderID, unfinishedOnly: true)) ?? []
        // Entries that repeat one request (same action and reference, or same target) are
        // resolved together by one new entry that supersedes them all.
        var groups: [(key: String, entries: [JournalEntry])] = []
        for entry in unfinished {
            let key = "\(entry.action) \(entry.callerReference ?? entry.transactionID ?? "")"
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].entries.append(entry)
            } else {
                groups.append((key, [entry]))
            }
        }
        var refundReferences: Set<String> = []
        for group in groups {
            guard let entry = group.entries.last else { continue }
            let earlier = group.entries.map(\.id)
            switch entry.action {
            case "Pay", "Reserve":
                results.append(await resendPayment(entry, superseding: earlier))
            case "Settle", "Cancel":
                results.append(await resolveWithoutReference(entry, superseding: earlier))
            case "Refund":
                if let reference = entry.callerReference { refundReferences.insert(reference) }
                results.append(await resendRefund(reference: entry.callerReference, orderID: orderID, superseding: earlier))
            default:
                for id in earlier {
                    try? ledger.finishCall(id, outcome: .interrupted, result: "Closed by recovery: \(entry.action) moves no money.")
                }
            }
        }
        // A refund whose call failed without a response stays Requested with its journal entry closed.
        for refund in (try? ledger.refunds(orderID: orderID)) ?? [] where refund.status == .requested {
            guard !refundReferences.contains(refund.callerReference) else { continue }
            results.append(await resendRefund(reference: refund.callerReference, orderID: orderID, superseding: []))
        }
        repairCallingPhase(orderID: orderID)
        results += await checkPending(orderID: orderID)
        for result in results {
            log(result.isResolved ? .info : .failure, "Recovery: \(result.summary).")
        }
        return results
    }

    // MARK: Pay and Reserve

    private func resendPayment(_ entry: JournalEntry, superseding earlier: [Int64]) async -> RecoveredIntent {
        let orderID = entry.orderID
        let kind: LedgerTransactionKind = entry.action == "Pay" ? .pay : .reserve
        let suffix = "-\(kind.rawValue)"
        guard let reference = entry.callerReference, reference.hasSuffix(suffix), let amountMinor = entry.amountMinor,
              let token = try? ledger.token(orderID: orderID, callerReference: String(reference.dropLast(suffix.count))) else {
            return RecoveredIntent(orderID: orderID, action: entry.action,
                                   outcome: .unknown(reason: "the journal entry lacks its reference, amount or token, so it cannot be re-sent; check the order by hand"))
        }
        let amount = Money(minorUnits: amountMinor, currency: entry.currency ?? "USD")
        let parameters = "SenderTokenId=\(Redaction.secret(token.tokenID)) TransactionAmount=\(amount) CallerReference=\(reference)"
        guard let journalID = begin(entry, parameters: parameters, superseding: earlier) else {
            return RecoveredIntent(orderID: orderID, action: entry.action, outcome: .unknown(reason: "the ledger could not journal the re-send"))
        }
        let outcome = await sendWithRetries(label: "order \(orderID) \(entry.action)") { () async throws(FPSError) in
            kind == .pay
                ? try await self.client.pay(senderTokenID: token.tokenID, amount: amount, callerReference: reference)
                : try await self.client.reserve(senderTokenID: token.tokenID, amount: amount, callerReference: reference)
        }
        switch outcome {
        case .success(let result):
            return recordAnswer(result, kind: kind, orderID: orderID, callerReference: reference, amount: amount,
                                journalID: journalID, action: entry.action)
        case .failure(let error):
            return recordFailure(error, orderID: orderID, action: entry.action, journalID: journalID,
                                 phaseBefore: .authorized)
        }
    }

    // MARK: Settle and Cancel

    private func resolveWithoutReference(_ entry: JournalEntry, superseding earlier: [Int64]) async -> RecoveredIntent {
        let orderID = entry.orderID
        let kind: LedgerTransactionKind = entry.action == "Settle" ? .settle : .cancel
        guard let targetID = entry.transactionID else {
            return RecoveredIntent(orderID: orderID, action: entry.action,
                                   outcome: .unknown(reason: "the journal entry lacks its target transaction; check the order by hand"))
        }
        let transactions = (try? ledger.transactions(orderID: orderID)) ?? []
        let target = transactions.last { $0.transactionID == targetID && ($0.kind == .reserve || $0.kind == .pay) }
        let currency = entry.currency ?? target?.currency ?? "USD"
        let amount = Money(minorUnits: entry.amountMinor ?? target?.amountMinor ?? 0, currency: currency)
        let settleAmount: Money? = kind == .settle && target.map({ $0.amountMinor != amount.minorUnits }) == true ? amount : nil
        guard let journalID = begin(entry, parameters: entry.parameters, superseding: earlier) else {
            return RecoveredIntent(orderID: orderID, action: entry.action, outcome: .unknown(reason: "the ledger could not journal the check"))
        }
        let phaseBefore: CheckoutPhase = kind == .settle ? .reserved
            : (target.flatMap { TransactionStatus(wire: $0.status) } == .pending ? .pending : .reserved)

        var lastError = FPSError.transport("no attempt was made")
        let policy = RetryPolicy(configuration)
        for attempt in 1...policy.maxAttempts {
            // The target's status shows whether an earlier request arrived, before any send.
            let status = await capture({ () async throws(FPSError) in try await client.getTransactionStatus(transactionID: targetID) })
            switch status {
            case .success(let current) where CheckoutSession.statusShowsEarlierCall(current.status, kind: kind):
                return recordAnswer(current, kind: kind, orderID: orderID, callerReference: nil, amount: amount,
                                    journalID: journalID, action: entry.action)
            case .success:
                let sent = await capture({ () async throws(FPSError) in
                    kind == .settle
                        ? try await client.settle(reserveTransactionID: targetID, amount: settleAmount)
                        : try await client.cancel(transactionID: targetID, description: "Cancelled at the desk for order \(orderID)")
                })
                switch sent {
                case .success(let result):
                    return recordAnswer(result, kind: kind, orderID: orderID, callerReference: nil, amount: amount,
                                        journalID: journalID, action: entry.action)
                case .failure(let error) where error.code == "InvalidTransactionState":
                    // Another request changed the target in between; the next status check shows how.
                    lastError = error
                case .failure(let error):
                    lastError = error
                    guard RetryPolicy.outcomeIsUnknown(error) else {
                        return recordFailure(error, orderID: orderID, action: entry.action, journalID: journalID, phaseBefore: phaseBefore)
                    }
                }
            case .failure(let error):
                lastError = error
                guard RetryPolicy.outcomeIsUnknown(error) else {
                    return recordFailure(error, orderID: orderID, action: entry.action, journalID: journalID, phaseBefore: phaseBefore)
                }
            }
            guard attempt < policy.maxAttempts else { break }
            await wait(policy, label: "order \(orderID) \(entry.action)", attempt: attempt, error: lastError)
        }
        return recordFailure(lastError, orderID: orderID, action: entry.action, journalID: journalID, phaseBefore: phaseBefore)
    }

    // MARK: Refund

    private func resendRefund(reference: String?, orderID: Int64, superseding earlier: [Int64]) async -> RecoveredIntent {
        guard let reference, let refund = (try? ledger.refunds(orderID: orderID))?.last(where: { $0.callerReference == reference }) else {
            for id in earlier {
                try? ledger.finishCall(id, outcome: .interrupted, result: "Closed by recovery: the refund is missing from the ledger.")
            }
            return RecoveredIntent(orderID: orderID, action: "Refund",
                                   outcome: .unknown(reason: "the refund is missing from the ledger; check the order's refunds by hand"))
        }
        let amount = Money(minorUnits: refund.amountMinor, currency: refund.currency)
        let journalID: Int64
        do {
            journalID = try ledger.beginCall(orderID: orderID, action: "Refund", callerReference: refund.callerReference,
                                             transactionID: refund.originalTransactionID, amountMinor: refund.amountMinor,
                                             currency: refund.currency, parameters: CheckoutSession.refundParameters(refund),
                                             superseding: earlier)
        } catch {
            return RecoveredIntent(orderID: orderID, action: "Refund", outcome: .unknown(reason: "the ledger could not journal the re-send: \(error)"))
        }
        // The description is part of the request FPS compares, so it repeats the first one exactly.
        let description = "Refund \(refund.sequence) of order \(orderID)"
        let outcome = await sendWithRetries(label: "order \(orderID) Refund") { () async throws(FPSError) in
            try await self.client.refund(transactionID: refund.originalTransactionID, callerReference: refund.callerReference,
                                         amount: amount, callerDescription: description)
        }
        let phase = currentPhase(orderID) == .refunding ? CheckoutPhase.succeeded.rawValue : nil
        switch outcome {
        case .success(let result):
            do {
                try ledger.recordRefundStatus(refundID: refund.id, transactionID: result.transactionID,
                                              status: CheckoutSession.refundStatus(result.status), statusCode: result.statusCode,
                                              phase: phase)
                try ledger.finishCall(journalID, outcome: .answered, result: CheckoutSession.describe(result),
                                      transactionID: result.transactionID)
            } catch {
                return RecoveredIntent(orderID: orderID, action: "Refund",
                                       outcome: .unknown(reason: "the ledger could not record refund transaction \(result.transactionID): \(error)"))
            }
            return RecoveredIntent(orderID: orderID, action: "Refund",
                                   outcome: .transaction(id: result.transactionID, status: result.status, statusCode: result.statusCode))
        case .failure(let error):
            let reason = Notices.redactLongTokens(error.description)
            if RetryPolicy.outcomeIsUnknown(error) {
                try? ledger.noteUnknownOutcome(journalID, result: reason)
                if let phase { try? ledger.setPhase(orderID: orderID, phase: phase) }
                return RecoveredIntent(orderID: orderID, action: "Refund", outcome: .unknown(reason: RetryPolicy.shortReason(error)))
            }
            try? ledger.recordRefundStatus(refundID: refund.id, transactionID: nil, status: .rejected, statusCode: error.code, phase: phase)
            try? ledger.finishCall(journalID, outcome: .failed, result: reason)
            return RecoveredIntent(orderID: orderID, action: "Refund", outcome: .notCreated(reason: error.code ?? reason))
        }
    }

    // MARK: Pending transactions and phases

    /// Returns an order left in a calling phase with no open entry to the phase before the call.
    private func repairCallingPhase(orderID: Int64) {
        guard let detail = try? ledger.loadOrder(orderID), let phase = CheckoutPhase(rawValue: detail.order.phase),
              Self.callingPhases.contains(phase),
              (try? ledger.journal(orderID: orderID, unfinishedOnly: true))?.isEmpty == true else { return }
        try? ledger.setPhase(orderID: orderID, phase: CheckoutSession.phaseBeforeCall(in: phase, detail: detail).rawValue)
    }

    /// Checks the status of the order's latest transaction and pending refunds once, when
    /// the ledger has them Pending, and stores what the endpoint returns.
    private func checkPending(orderID: Int64) async -> [RecoveredIntent] {
        var results: [RecoveredIntent] = []
        if let detail = try? ledger.loadOrder(orderID), detail.order.phase == CheckoutPhase.pending.rawValue,
           let transaction = detail.latestTransaction, TransactionStatus(wire: transaction.status) == .pending {
            progress("Checking the status of order \(orderID)")
            switch await capture({ () async throws(FPSError) in try await client.getTransactionStatus(transactionID: transaction.transactionID) }) {
            case .success(let result):
                let phase = CheckoutSession.phase(after: result.status, kind: transaction.kind)
                do {
                    try ledger.updateTransactionStatus(transactionID: result.transactionID, kind: transaction.kind,
                                                       status: result.status.rawValue, statusCode: result.statusCode,
                                                       phase: phase == .pending ? nil : phase.rawValue)
                    if transaction.kind == .cancel { try copyCancelOutcome(result, orderID: orderID) }
                    results.append(RecoveredIntent(orderID: orderID, action: "GetTransactionStatus",
                                                   outcome: .transaction(id: result.transactionID, status: result.status,
                                                                         statusCode: result.statusCode)))
                } catch {
                    results.append(RecoveredIntent(orderID: orderID, action: "GetTransactionStatus",
                                                   outcome: .unknown(reason: "the ledger could not record the status: \(error)")))
                }
            case .failure(let error):
                results.append(RecoveredIntent(orderID: orderID, action: "GetTransactionStatus",
                                               outcome: .unknown(reason: RetryPolicy.shortReason(error))))
            }
        }
        for refund in (try? ledger.refunds(orderID: orderID)) ?? [] where refund.status == .pending {
            guard let transactionID = refund.transactionID else { continue }
            switch await capture({ () async throws(FPSError) in try await client.getTransactionStatus(transactionID: transactionID) }) {
            case .success(let result):
                try? ledger.recordRefundStatus(refundID: refund.id, transactionID: transactionID,
                                               status: CheckoutSession.refundStatus(result.status), statusCode: result.statusCode)
                results.append(RecoveredIntent(orderID: orderID, action: "GetTransactionStatus",
                                               outcome: .transaction(id: transactionID, status: result.status, statusCode: result.statusCode)))
            case .failure(let error):
                results.append(RecoveredIntent(orderID: orderID, action: "GetTransactionStatus",
                                               outcome: .unknown(reason: RetryPolicy.shortReason(error))))
            }
        }
        return results
    }

    // MARK: Recording

    private func begin(_ entry: JournalEntry, parameters: String, superseding earlier: [Int64]) -> Int64? {
        try? ledger.beginCall(orderID: entry.orderID, action: entry.action, callerReference: entry.callerReference,
                              transactionID: entry.transactionID, amountMinor: entry.amountMinor, currency: entry.currency,
                              parameters: parameters, superseding: earlier)
    }

    private func recordAnswer(_ result: TransactionResult, kind: LedgerTransactionKind, orderID: Int64, callerReference: String?,
                              amount: Money, journalID: Int64, action: String) -> RecoveredIntent {
        let phase = CheckoutSession.phase(after: result.status, kind: kind)
        do {
            try ledger.recordTransaction(orderID: orderID, transactionID: result.transactionID, kind: kind,
                                         callerReference: callerReference, amountMinor: amount.minorUnits, currency: amount.currency,
                                         status: result.status.rawValue, statusCode: result.statusCode, phase: phase.rawValue)
            if kind == .cancel { try copyCancelOutcome(result, orderID: orderID) }
            try ledger.finishCall(journalID, outcome: .answered, result: CheckoutSession.describe(result), transactionID: result.transactionID)
        } catch {
            return RecoveredIntent(orderID: orderID, action: action,
                                   outcome: .unknown(reason: "the ledger could not record transaction \(result.transactionID): \(error)"))
        }
        return RecoveredIntent(orderID: orderID, action: action,
                               outcome: .transaction(id: result.transactionID, status: result.status, statusCode: result.statusCode))
    }

    /// Stores a failed resolution: an unknown outcome keeps the entry open, a rejection closes it.
    /// Either way an order still in its calling phase returns to `phaseBefore`.
    private func recordFailure(_ error: FPSError, orderID: Int64, action: String, journalID: Int64,
                               phaseBefore: CheckoutPhase) -> RecoveredIntent {
        let reason = Notices.redactLongTokens(error.description)
        let phase = currentPhase(orderID).map { Self.callingPhases.contains($0) } == true ? phaseBefore.rawValue : nil
        if RetryPolicy.outcomeIsUnknown(error) {
            try? ledger.noteUnknownOutcome(journalID, result: reason, phase: phase, orderID: orderID)
            return RecoveredIntent(orderID: orderID, action: action, outcome: .unknown(reason: RetryPolicy.shortReason(error)))
        }
        if let phase { try? ledger.setPhase(orderID: orderID, phase: phase) }
        try? ledger.finishCall(journalID, outcome: .failed, result: reason)
        return RecoveredIntent(orderID: orderID, action: action, outcome: .notCreated(reason: error.code ?? reason))
    }

    /// Copies a Cancel's outcome onto the Pay or Reserve row it targeted.
    private func copyCancelOutcome(_ result: TransactionResult, orderID: Int64) throws {
        guard let target = try ledger.transactions(orderID: orderID).last(where: {
            $0.transactionID == result.transactionID && ($0.kind == .pay || $0.kind == .reserve)
        }) else { return }
        try ledger.updateTransactionStatus(transactionID: target.transactionID, kind: target.kind,
                                           status: result.status.rawValue, statusCode: result.statusCode)
    }

    private func currentPhase(_ orderID: Int64) -> CheckoutPhase? {
        (try? ledger.order(orderID)).flatMap { $0.flatMap { CheckoutPhase(rawValue: $0.phase) } }
    }

    // MARK: Sending

    /// Sends `body` up to `maxAttempts` times while the outcome stays unknown, waiting with
    /// backoff and jitter between attempts. Every attempt sends the same request.
    private func sendWithRetries(label: String, _ body: @Sendable () async throws(FPSError) -> TransactionResult) async
        -> Result<TransactionResult, FPSError> {
        let policy = RetryPolicy(configuration)
        var last = FPSError.transport("no attempt was made")
        for attempt in 1...policy.maxAttempts {
            progress("Recovering \(label), attempt \(attempt) of \(policy.maxAttempts)")
            switch await capture(body) {
            case .success(let result):
                return .success(result)
            case .failure(let error):
                last = error
                guard error.isRetryable || RetryPolicy.outcomeIsUnknown(error), attempt < policy.maxAttempts else { return .failure(error) }
                await wait(policy, label: label, attempt: attempt, error: error)
            }
        }
        return .failure(last)
    }

    private func wait(_ policy: RetryPolicy, label: String, attempt: Int, error: FPSError) async {
        let delay = policy.delay(afterAttempt: attempt)
        progress("Recovering " + policy.waitingStep(action: label, nextAttempt: attempt + 1, delay: delay, after: error))
        log(.retry, "Recovery of \(label): attempt \(attempt) failed (\(Notices.redactLongTokens(error.description))). Retrying in \(RetryPolicy.seconds(delay)) with the same parameters.")
        try? await Task.sleep(for: delay)
    }
}

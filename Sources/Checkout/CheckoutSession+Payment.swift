import FPSClient
import Foundation
import Ledger

/// One money-moving FPS call with everything needed to send, journal and record it.
struct MoneyCall: Sendable {
    var kind: LedgerTransactionKind
    var orderNumber: Int64
    /// The amount recorded in the ledger: the order total, or the amount settled.
    var amount: Money
    /// The CallerReference of Pay and Reserve, or nil for Settle, which has none.
    var callerReference: String?
    /// The sender token of Pay and Reserve.
    var tokenID: String?
    /// The transaction Settle captures or Cancel cancels.
    var targetTransactionID: String?
    /// The Settle amount sent on the wire, or nil to capture the full reserve.
    var settleAmount: Money?
    /// The phase of the order before a Cancel, which it returns to when the Cancel fails.
    var cancelledFrom: CheckoutPhase?

    var action: String {
        switch kind {
        case .pay: return "Pay"
        case .reserve: return "Reserve"
        case .settle: return "Settle"
        case .cancel: return "Cancel"
        }
    }

    var auditAction: AuditAction {
        switch kind {
        case .pay: return .pay
        case .reserve: return .reserve
        case .settle: return .settle
        case .cancel: return .cancel
        }
    }

    /// True for calls without a CallerReference, whose re-sending needs a status check first.
    var hasNoReference: Bool { kind == .settle || kind == .cancel }

    /// The phase while the call runs.
    var callingPhase: CheckoutPhase {
        switch kind {
        case .pay: return .paying
        case .reserve: return .reserving
        case .settle: return .settling
        case .cancel: return .cancelling
        }
    }

    /// The phase to return to when the call created no transaction.
    var phaseBefore: CheckoutPhase {
        switch kind {
        case .pay, .reserve: return .authorized
        case .settle: return .reserved
        case .cancel: return cancelledFrom ?? .reserved
        }
    }

    /// The journal's summary of the request, with the token redacted.
    var parameters: String {
        var parts: [String] = []
        if let tokenID { parts.append("SenderTokenId=\(Redaction.secret(tokenID))") }
        if let targetTransactionID {
            parts.append(kind == .cancel ? "TransactionId=\(targetTransactionID)" : "ReserveTransactionId=\(targetTransactionID)")
        }
        if kind == .pay || kind == .reserve || settleAmount != nil { parts.append("TransactionAmount=\(amount)") }
        if let callerReference { parts.append("CallerReference=\(callerReference)") }
        return parts.joined(separator: " ")
    }
}

/// Pay, Reserve, Settle, status polling and recovery after a restart.
extension CheckoutSession {
    // MARK: Intents

    func startPayment(kind: LedgerTransactionKind) async {
        let action: CheckoutAction = kind == .pay ? .pay : .reserve
        let availability = state.availability(of: action)
        guard availability.allowed else { return reject(availability.reason) }
        guard let orderNumber = context.orderNumber else { return }
        let detail: LedgerOrderDetail
        do {
            detail = try ledger.loadOrder(orderNumber)
        } catch {
            return reject("The ledger could not load order \(orderNumber): \(error). Nothing was sent.")
        }
        guard let token = detail.token else {
            return reject("Order \(orderNumber) has no recorded authorization. Paste the customer's return URI first.")
        }
        // The amount comes from the ledger order, never from the return URI.
        let call = MoneyCall(kind: kind, orderNumber: orderNumber,
                             amount: Money(minorUnits: detail.order.totalMinor, currency: detail.order.currency),
                             callerReference: Self.paymentReference(cbuiReference: detail.order.callerReference, kind: kind),
                             tokenID: token.tokenID)
        await run(call, checkStatusFirst: false)
    }

    func settle(amountText: String?) async {
        let availability = state.availability(of: .settle)
        guard availability.allowed else { return reject(availability.reason) }
        guard let orderNumber = context.orderNumber else { return }
        let reserve: LedgerTransaction
        let earlierSettle: Bool
        do {
            let transactions = try ledger.transactions(orderID: orderNumber)
            guard let found = transactions.last(where: { $0.kind == .reserve }) else {
                return reject("Order \(orderNumber) has no reserve transaction to settle.")
            }
            reserve = found
            earlierSettle = try ledger.journal(orderID: orderNumber).contains { $0.action == "Settle" && $0.outcome != .answered }
        } catch {
            return reject("The ledger could not load order \(orderNumber): \(error). Nothing was sent.")
        }

        let reserved = Money(minorUnits: reserve.amountMinor, currency: reserve.currency)
        var amount = reserved
        var settleAmount: Money?
        let text = amountText?.trimmingCharacters(in: .whitespaces) ?? ""
        if !text.isEmpty {
            do throws(AmountError) {
                amount = try Money.parse(text, currency: reserve.currency)
            } catch {
                return reject("Settle amount \"\(error.input)\" is invalid: \(error.reason)")
            }
            guard amount <= reserved else {
                return reject("Settle amount \(amount) is more than the \(reserved) reserved. Type at most \(reserved.decimalString), or leave it empty to settle the full amount.")
            }
            settleAmount = amount == reserved ? nil : amount
        }
        let call = MoneyCall(kind: .settle, orderNumber: orderNumber, amount: amount, callerReference: nil, tokenID: nil,
                             targetTransactionID: reserve.transactionID, settleAmount: settleAmount)
        await run(call, checkStatusFirst: earlierSettle)
    }

    func refreshStatus() {
        let current = state
        if current.phase == .succeeded, let orderNumber = context.orderNumber,
           let pending = current.refunds.first(where: { $0.status == .pending && $0.transactionID != nil }),
           let transactionID = pending.transactionID {
            if isPolling { return inform("The status of refund transaction \(transactionID) is already being checked.") }
            let refundID = (try? ledger.refunds(orderID: orderNumber))?.first { $0.sequence == Int64(pending.sequence) }?.id
            guard let refundID else { return reject("Refund \(pending.sequence) is missing from the ledger.") }
            return startRefundPolling(orderNumber: orderNumber, refundID: refundID, transactionID: transactionID)
        }
        guard current.phase == .pending, let transaction = current.transaction, let orderNumber = context.orderNumber,
              let kind = context.transactionKind else {
            return reject("Only a pending transaction can be checked again, and order \(current.orderID) is \(current.phase.rawValue).")
        }
        if isPolling { return inform("The status of transaction \(transaction.transactionID) is already being checked.") }
        startPolling(orderNumber: orderNumber, transactionID: transaction.transactionID, kind: kind)
    }

    // MARK: Sending with retries

    /// Journals `call`, sends it with retries and records the outcome, holding the order's
    /// ledger lease meanwhile so that no other session sends or recovers the same request.
    ///
    /// Network errors, HTTP 500/503 and the service's transient codes are retried with the
    /// same parameters and CallerReference, after the waits of `RetryPolicy`. Settle and Cancel
    /// have no CallerReference, so before re-sending one, and before the first try when
    /// `checkStatusFirst`, the target's status shows whether an earlier call already arrived.
    /// Earlier journal entries of the same request that never got a response are closed in
    /// the commit that opens the new one.
    func run(_ call: MoneyCall, checkStatusFirst: Bool) async {
        do {
            let claim = try ledger.claimOrder(call.orderNumber, owner: leaseOwner, duration: configuration.leaseDuration,
                                              isOwnerAlive: IntentRecovery.isOwnerAlive)
            if case .heldBy(let holder, let until) = claim {
                return reject("\(call.action) was not sent: order \(call.orderNumber) is being worked on by \(holder) until \(until.formatted(date: .omitted, time: .standard)). Try again after that.",
                              auditAs: call.auditAction)
            }
        } catch {
            return reject("\(call.action) was not sent because the ledger could not lock order \(call.orderNumber): \(error).", auditAs: call.auditAction)
        }
        defer { try? ledger.releaseOrder(call.orderNumber, owner: leaseOwner) }
        await runClaimed(call, checkStatusFirst: checkStatusFirst)
    }

    private func runClaimed(_ call: MoneyCall, checkStatusFirst: Bool) async {
        let journalID: Int64
        do {
            let key = call.callerReference ?? call.targetTransactionID
            let earlier = try ledger.journal(orderID: call.orderNumber, unfinishedOnly: true)
                .filter { $0.action == call.action && ($0.callerReference ?? $0.transactionID) == key }
                .map(\.id)
            journalID = try ledger.beginCall(
                orderID: call.orderNumber, action: call.action, callerReference: call.callerReference,
                transactionID: call.targetTransactionID, amountMinor: call.amount.minorUnits, currency: call.amount.currency,
                parameters: call.parameters, phase: call.callingPhase.rawValue, superseding: earlier)
        } catch {
            return reject("\(call.action) was not sent because the ledger could not record it: \(error).", auditAs: call.auditAction)
        }
        audit(call.auditAction, outcome: "Sending \(call.action): \(call.parameters)", amount: call.amount, orderNumber: call.orderNumber)
        update { state, _ in
            state.phase = call.callingPhase
            state.busyStep = (call.action, Date())
            state.notice = nil
        }
        log(.info, "\(call.action) for order \(call.orderNumber): \(call.parameters)")

        let maxAttempts = configuration.maxAttempts
        var lastError = FPSError.transport("no attempt was made")
        for attempt in 1...maxAttempts {
            if attempt > 1 {
                update { state, _ in
                    state.busyStep = ("\(call.action), attempt \(attempt) of \(maxAttempts)", Date())
                    state.transaction?.attempt = attempt
                }
            }
            if call.hasNoReference, attempt > 1 || checkStatusFirst, let targetID = call.targetTransactionID {
                switch await capture({ () async throws(FPSError) in try await client.getTransactionStatus(transactionID: targetID) }) {
                case .success(let status) where Self.statusShowsEarlierCall(status.status, kind: call.kind):
                    log(.info, "Transaction \(targetID) is \(status.status.rawValue), so the earlier \(call.action) arrived or is no longer possible; not sending it again.")
                    return answered(call, status, journalID: journalID, attempt: attempt)
                case .success:
                    break
                case .failure(let error):
                    lastError = error
                    guard await waitBeforeRetry(call, error: error, attempt: attempt) else {
                        return failed(call, error: error, journalID: journalID, attempts: attempt)
                    }
                    continue
                }
            }
            switch await capture({ () async throws(FPSError) in try await send(call) }) {
            case .success(let result):
                return answered(call, result, journalID: journalID, attempt: attempt)
            case .failure(let error):
                lastError = error
                guard await waitBeforeRetry(call, error: error, attempt: attempt) else {
                    return failed(call, error: error, journalID: journalID, attempts: attempt)
                }
            }
        }
        failed(call, error: lastError, journalID: journalID, attempts: maxAttempts)
    }

    private func send(_ call: MoneyCall) async throws(FPSError) -> TransactionResult {
        switch call.kind {
        case .pay:
            return try await client.pay(senderTokenID: call.tokenID ?? "", amount: call.amount,
                                        callerReference: call.callerReference ?? "")
        case .reserve:
            return try await client.reserve(senderTokenID: call.tokenID ?? "", amount: call.amount,
                                            callerReference: call.callerReference ?? "")
        case .settle:
            return try await client.settle(reserveTransactionID: call.targetTransactionID ?? "", amount: call.settleAmount)
        case .cancel:
            return try await client.cancel(transactionID: call.targetTransactionID ?? "",
                                           description: "Cancelled at the desk for order \(call.orderNumber)")
        }
    }

    /// Returns true when the target's `status` shows that an earlier Settle or Cancel arrived,
    /// or that the target can no longer take one, so the call must not be sent again.
    static func statusShowsEarlierCall(_ status: TransactionStatus, kind: LedgerTransactionKind) -> Bool {
        switch kind {
        case .settle: return status != .reserved
        case .cancel: return status != .reserved && status != .pending
        case .pay, .reserve: return false
        }
    }

    private func waitBeforeRetry(_ call: MoneyCall, error: FPSError, attempt: Int) async -> Bool {
        await waitBeforeRetry(action: call.action, error: error, attempt: attempt)
    }

    /// Logs a retry of `action`, shows what it waits for, and sleeps before it. Returns false
    /// when `error` is final or no attempt is left.
    func waitBeforeRetry(action: String, error: FPSError, attempt: Int) async -> Bool {
        guard error.isRetryable, attempt < configuration.maxAttempts else { return false }
        let policy = RetryPolicy(configuration)
        let delay = policy.delay(afterAttempt: attempt)
        let step = policy.waitingStep(action: action, nextAttempt: attempt + 1, delay: delay, after: error)
        update { state, _ in state.busyStep = (step, Date()) }
        log(.retry, "\(action) attempt \(attempt) failed (\(Notices.redactLongTokens(error.description))). Retrying in \(RetryPolicy.seconds(delay)) with the same parameters.")
        try? await Task.sleep(for: delay)
        return true
    }

    // MARK: Outcomes

    /// Returns the phase an order reaches when `kind`'s transaction has `status`. Pending, and a
    /// status that does not end this kind of action, mean polling goes on.
    static func phase(after status: TransactionStatus, kind: LedgerTransactionKind) -> CheckoutPhase {
        switch (kind, status) {
        case (.cancel, .cancelled): return .cancelled
        // The Cancel did not take: the reserve is still held.
        case (.cancel, .reserved): return .reserved
        case (.cancel, .success): return .succeeded
        case (_, .pending): return .pending
        case (.pay, .success), (.settle, .success): return .succeeded
        // Reserve returns Reserved, and Success is accepted too, as the hold being in place.
        case (.reserve, .reserved), (.reserve, .success): return .reserved
        case (_, .failure), (_, .cancelled): return .failed
        // A Settle is still being processed while its reserve reads Reserved.
        case (.pay, .reserved), (.settle, .reserved): return .pending
        }
    }

    private func answered(_ call: MoneyCall, _ result: TransactionResult, journalID: Int64, attempt: Int) {
        let phase = Self.phase(after: result.status, kind: call.kind)
        var ledgerProblem: String?
        do {
            // The transaction and the phase first: a crash before finishCall leaves an
            // unfinished entry on an order that is no longer in a calling phase, which a
            // restart only closes.
            try ledger.recordTransaction(orderID: call.orderNumber, transactionID: result.transactionID, kind: call.kind,
                                         callerReference: call.callerReference, amountMinor: call.amount.minorUnits,
                                         currency: call.amount.currency, status: result.status.rawValue,
                                         statusCode: result.statusCode, phase: phase.rawValue)
            if call.kind == .cancel {
                try recordOnCancelledTransaction(result, orderNumber: call.orderNumber)
            }
            try ledger.finishCall(journalID, outcome: .answered, result: Self.describe(result), transactionID: result.transactionID)
        } catch {
            ledgerProblem = " The ledger could not record it (\(error)), so write down transaction \(result.transactionID)."
        }
        let notice = outcomeNotice(call, result, phase: phase) + (ledgerProblem ?? "")
        update { state, context in
            state.phase = phase
            state.transaction = TransactionView(transactionID: result.transactionID, status: result.status,
                                                statusCode: result.statusCode, lastUpdate: Date(), attempt: attempt)
            state.busyStep = nil
            state.notice = notice
            state.noticeIsProblem = phase == .failed || ledgerProblem != nil
            state.transactionAction = Self.action(for: call.kind)
            context.transactionKind = call.kind
        }
        if phase == .succeeded { reloadRefunds(orderNumber: call.orderNumber) }
        log(phase == .failed ? .failure : .info, "\(call.action) for order \(call.orderNumber) returned transaction \(result.transactionID): \(Self.describe(result)).")
        audit(call.auditAction, outcome: "Answered: transaction \(result.transactionID) is \(Self.describe(result)); order \(phase.rawValue).",
              amount: call.amount, orderNumber: call.orderNumber)
        if phase == .pending {
            startPolling(orderNumber: call.orderNumber, transactionID: result.transactionID, kind: call.kind)
        }
    }

    /// Records a call that ended without a transaction. When the outcome is unknown (no
    /// response, an unreadable one, or a server failure), the journal entry stays open, so a
    /// restart, `reconcile` or the next press of the same action resolves it.
    private func failed(_ call: MoneyCall, error: FPSError, journalID: Int64, attempts: Int) {
        let outcomeUnknown = RetryPolicy.outcomeIsUnknown(error)
        var notice = Notices.callFailed(action: call.action, error: error, attempts: attempts)
        if outcomeUnknown {
            notice += " Until then the request stays open in the ledger, and the next start of the console resolves it."
        }
        var ledgerProblem = ""
        do {
            if outcomeUnknown {
                try ledger.noteUnknownOutcome(journalID, result: Notices.redactLongTokens(error.description),
                                              phase: call.phaseBefore.rawValue, orderID: call.orderNumber)
            } else {
                try ledger.setPhase(orderID: call.orderNumber, phase: call.phaseBefore.rawValue)
                try ledger.finishCall(journalID, outcome: .failed, result: Notices.redactLongTokens(error.description))
            }
        } catch {
            ledgerProblem = " The ledger could not record the failure: \(error)."
        }
        update { state, _ in
            state.phase = call.phaseBefore
            state.busyStep = nil
            state.notice = notice + ledgerProblem
            state.noticeIsProblem = true
        }
        log(.failure, "\(call.action) for order \(call.orderNumber) failed after \(attempts) attempt(s): \(Notices.redactLongTokens(error.description))")
        audit(call.auditAction, outcome: "Failed after \(attempts) attempt(s): \(error.description)", amount: call.amount,
              orderNumber: call.orderNumber)
        // A refused Cancel of a pending transaction leaves it pending, so watching it goes on.
        if call.kind == .cancel, call.phaseBefore == .pending, let targetID = call.targetTransactionID,
           let kind = context.transactionKind, kind != .cancel {
            startPolling(orderNumber: call.orderNumber, transactionID: targetID, kind: kind)
        }
    }

    private func outcomeNotice(_ call: MoneyCall, _ result: TransactionResult, phase: CheckoutPhase) -> String {
        let id = result.transactionID
        switch phase {
        case .succeeded:
            return call.kind == .settle ? "Settled \(call.amount) (transaction \(id))." : "Paid \(call.amount) (transaction \(id))."
        case .cancelled:
            return "Cancelled transaction \(id). No money moved, and the order is closed."
        case .succeeded where call.kind == .cancel:
            return "Transaction \(id) completed before the Cancel, so it cannot be cancelled. Refund it instead."
        case .reserved where call.kind == .cancel:
            return "Transaction \(id) is still reserved: the Cancel did not take. Try Cancel again or Settle."
        case .reserved:
            return "Reserved \(call.amount) on the customer's card (transaction \(id)). Settle it after fulfilment, within 7 days."
        case .pending:
            return "\(call.action) of \(call.amount) is pending at the payment service (transaction \(id)). The status is checked every \(Notices.seconds(configuration.pollInterval))."
        default:
            return failureNotice(action: call.action, result)
        }
    }

    private func failureNotice(action: String, _ result: TransactionResult) -> String {
        var reason = result.status.rawValue
        if let code = result.statusCode { reason += ", \(code)" }
        if let message = result.statusMessage, !message.isEmpty { reason += ": \(Notices.redactLongTokens(String(message.prefix(160))))" }
        let next: String
        switch action {
        case "Settle": next = "The reserve was not captured."
        case "Cancel": next = "The transaction failed on its own, so no money moved."
        default: next = "No money moved. Build a new URL to authorize again, perhaps with another payment method."
        }
        return "\(action) failed: transaction \(result.transactionID) is \(reason). \(next)"
    }

    static func describe(_ result: TransactionResult) -> String {
        result.status.rawValue + (result.statusCode.map { " (\($0))" } ?? "")
    }

    // MARK: Polling

    /// Polls GetTransactionStatus every `pollInterval`, up to `maxPolls` times, until the
    /// transaction reaches a status that ends `kind`'s action. The call is never re-sent.
    func startPolling(orderNumber: Int64, transactionID: String, kind: LedgerTransactionKind) {
        update { state, _ in state.busyStep = ("Waiting for status", Date()) }
        startPollingTask { [self] in
            await poll(orderNumber: orderNumber, transactionID: transactionID, kind: kind)
        }
    }

    private func poll(orderNumber: Int64, transactionID: String, kind: LedgerTransactionKind) async {
        let maxPolls = configuration.maxPolls
        var failuresInARow = 0
        for check in 1...maxPolls {
            try? await Task.sleep(for: configuration.pollInterval)
            if Task.isCancelled { return }
            update { state, _ in state.busyStep = ("Waiting for status, check \(check) of \(maxPolls)", state.busyStep?.since ?? Date()) }

            let outcome = await capture({ () async throws(FPSError) in try await client.getTransactionStatus(transactionID: transactionID) })
            switch outcome {
            case .failure(let error):
                failuresInARow += 1
                update { state, _ in state.transaction?.attempt = failuresInARow + 1 }
                let detail = Notices.redactLongTokens(error.description)
                guard error.isRetryable else {
                    log(.failure, "GetTransactionStatus for \(transactionID) failed: \(detail)")
                    update { state, _ in
                        state.busyStep = nil
                        state.notice = "The status check was refused: \(detail) Transaction \(transactionID) stays pending; refresh its status later."
                        state.noticeIsProblem = true
                    }
                    return
                }
                log(.retry, "GetTransactionStatus for \(transactionID) failed (\(detail)); checking again in \(Notices.seconds(configuration.pollInterval)).")
            case .success(let result):
                failuresInARow = 0
                if record(result, orderNumber: orderNumber, kind: kind) { return }
            }
        }
        update { state, _ in
            state.busyStep = nil
            state.notice = "Transaction \(transactionID) is still pending after \(maxPolls) status checks. It stays pending in the ledger: refresh its status later, or start a new order."
            state.noticeIsProblem = true
        }
    }

    /// Stores one polled status and returns true when it ends the action.
    private func record(_ result: TransactionResult, orderNumber: Int64, kind: LedgerTransactionKind) -> Bool {
        let phase = Self.phase(after: result.status, kind: kind)
        let isFinal = phase != .pending
        var ledgerProblem = ""
        do {
            try ledger.updateTransactionStatus(transactionID: result.transactionID, kind: kind, status: result.status.rawValue,
                                               statusCode: result.statusCode, phase: isFinal ? phase.rawValue : nil)
            if kind == .cancel { try recordOnCancelledTransaction(result, orderNumber: orderNumber) }
        } catch {
            ledgerProblem = " The ledger could not record the status: \(error)."
        }
        let previous = state.transaction
        if previous?.status != result.status || previous?.statusCode != result.statusCode {
            log(.info, "Transaction \(result.transactionID) is now \(Self.describe(result)).")
        }
        let amount = isFinal ? settledOrChargedAmount(orderNumber: orderNumber, transactionID: result.transactionID, kind: kind) : nil
        update { state, _ in
            guard state.orderID == String(orderNumber) else { return }
            state.transaction = TransactionView(transactionID: result.transactionID, status: result.status,
                                                statusCode: result.statusCode, lastUpdate: Date(), attempt: 1)
            if isFinal {
                state.phase = phase
                state.busyStep = nil
            }
            if !ledgerProblem.isEmpty {
                state.notice = "Transaction \(result.transactionID) is \(Self.describe(result)).\(ledgerProblem)"
                state.noticeIsProblem = true
            }
        }
        if phase == .succeeded { reloadRefunds(orderNumber: orderNumber) }
        if isFinal, ledgerProblem.isEmpty {
            let call = MoneyCall(kind: kind, orderNumber: orderNumber, amount: amount ?? Money(minorUnits: 0),
                                 callerReference: nil, tokenID: nil)
            let notice = outcomeNotice(call, result, phase: phase)
            update { state, _ in
                guard state.orderID == String(orderNumber) else { return }
                state.notice = notice
                state.noticeIsProblem = phase == .failed
            }
        }
        return isFinal
    }

    /// Copies a Cancel's outcome onto the Pay or Reserve row it targeted, so the order's
    /// charge, which counts only successful Pay and Settle rows, matches what happened.
    private func recordOnCancelledTransaction(_ result: TransactionResult, orderNumber: Int64) throws {
        let target = try ledger.transactions(orderID: orderNumber).last {
            $0.transactionID == result.transactionID && ($0.kind == .pay || $0.kind == .reserve)
        }
        guard let target else { return }
        try ledger.updateTransactionStatus(transactionID: target.transactionID, kind: target.kind,
                                           status: result.status.rawValue, statusCode: result.statusCode)
    }

    private func settledOrChargedAmount(orderNumber: Int64, transactionID: String, kind: LedgerTransactionKind) -> Money? {
        let stored = try? ledger.transactions(orderID: orderNumber).last { $0.transactionID == transactionID && $0.kind == kind }
        return stored.map { Money(minorUnits: $0.amountMinor, currency: $0.currency) }
    }

    // MARK: Restart recovery

    /// Builds the recovery helper, reporting progress as the busy step and lines as events.
    func makeRecovery() -> IntentRecovery {
        IntentRecovery(ledger: ledger, client: client, configuration: configuration, owner: leaseOwner,
                       progress: { [self] step in update { state, _ in state.busyStep = (step, state.busyStep?.since ?? Date()) } },
                       log: { [self] kind, text in log(kind, text) })
    }

    /// Queues the recovery of every order of this desk with a request in flight, then the
    /// resumption of the shown order's polling.
    func recoverAtStart() {
        enqueueWork { [self] in
            let results = await makeRecovery().resolveAll(desk: configuration.desk)
            finishRecovery(results)
        }
    }

    /// Queues the work an order needs after it was opened: resolving calls the ledger has no
    /// outcome for, and resuming polling of a Pending transaction or refund.
    func resumeInterruptedWork(orderNumber: Int64) {
        enqueueWork { [self] in
            guard context.orderNumber == orderNumber else { return }
            let results = await makeRecovery().resolve(orderID: orderNumber)
            finishRecovery(results)
        }
    }

    /// Reloads the shown order after recovery, shows the clerk what was recovered, and starts
    /// polling what is still Pending.
    private func finishRecovery(_ results: [RecoveredIntent]) {
        update { state, _ in state.busyStep = nil }
        guard let orderNumber = context.orderNumber else { return }
        do {
            let detail = try ledger.loadOrder(orderNumber)
            let notice = Self.recoveryNotice(results)
            let problem = results.contains { !$0.isResolved }
            try show(detail, notice: notice ?? state.notice, problem: notice == nil ? state.noticeIsProblem : problem)
            if detail.order.phase == CheckoutPhase.pending.rawValue, let transaction = detail.latestTransaction, !isPolling {
                startPolling(orderNumber: orderNumber, transactionID: transaction.transactionID, kind: transaction.kind)
            }
            resumeRefundPolling(detail: detail)
        } catch {
            reject("The ledger could not reload order \(orderNumber) after recovery: \(error).")
        }
        for result in results {
            let action: AuditAction
            switch result.action {
            case "Pay": action = .pay
            case "Reserve": action = .reserve
            case "Settle": action = .settle
            case "Cancel": action = .cancel
            case "Refund": action = .refund
            default: continue
            }
            audit(action, outcome: "Recovery: \(result.summary).", orderNumber: result.orderID)
        }
    }

    /// Builds the notice "Recovered 2 interrupted requests: order 14 Pay → Success; …", or nil
    /// when nothing needed recovery.
    static func recoveryNotice(_ results: [RecoveredIntent]) -> String? {
        guard !results.isEmpty else { return nil }
        let resolved = results.filter(\.isResolved).count
        let noun = results.count == 1 ? "interrupted request" : "interrupted requests"
        let list = results.map(\.summary).joined(separator: "; ")
        if resolved == results.count {
            return "Recovered \(results.count) \(noun): \(list)."
        }
        return "Recovered \(resolved) of \(results.count) \(noun): \(list). The rest stay open in the ledger; the next start or `fps-checkout reconcile` tries them again."
    }

    /// Returns the phase an order returns to when the call of `phase` created no transaction.
    static func phaseBeforeCall(in phase: CheckoutPhase, detail: LedgerOrderDetail) -> CheckoutPhase {
        switch phase {
        case .settling: return .reserved
        case .refunding: return .succeeded
        case .cancelling:
            let target = detail.latestTransaction.flatMap { TransactionStatus(wire: $0.status) }
            return target == .pending ? .pending : .reserved
        default: return .authorized
        }
    }
}

/// Runs `body` and returns its result or its typed error as a value.
func capture<T>(_ body: () async throws(FPSError) -> T) async -> Result<T, FPSError> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

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

    /// Journals `call`, sends it with retries and records the outcome.
    ///
    /// Network errors, HTTP 500/503 and the service's transient codes are retried with the
    /// same parameters and CallerReference, waiting `retryBaseDelay` times 4^(attempt-2), capped
    /// at `maxRetryDelay`. Settle and Cancel have no CallerReference, so before re-sending one,
    /// and before the first try when `checkStatusFirst`, the target's status shows whether an
    /// earlier call already arrived.
    func run(_ call: MoneyCall, checkStatusFirst: Bool) async {
        let journalID: Int64
        do {
            journalID = try ledger.beginCall(
                orderID: call.orderNumber, action: call.action, callerReference: call.callerReference,
                transactionID: call.targetTransactionID, amountMinor: call.amount.minorUnits, currency: call.amount.currency,
                parameters: call.parameters, phase: call.callingPhase.rawValue)
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

    /// Logs a retry of `action` and sleeps before it. Returns false when `error` is final or
    /// no attempt is left.
    func waitBeforeRetry(action: String, error: FPSError, attempt: Int) async -> Bool {
        guard error.isRetryable, attempt < configuration.maxAttempts else { return false }
        let delay = retryDelay(afterAttempt: attempt)
        log(.retry, "\(action) attempt \(attempt) failed (\(Notices.redactLongTokens(error.description))). Retrying in \(Notices.seconds(delay)) with the same parameters.")
        try? await Task.sleep(for: delay)
        return true
    }

    func retryDelay(afterAttempt attempt: Int) -> Duration {
        var delay = configuration.retryBaseDelay
        for _ in 1..<max(1, attempt) {
            delay *= 4
            if delay >= configuration.maxRetryDelay { return configuration.maxRetryDelay }
        }
        return min(delay, configuration.maxRetryDelay)
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

    private func failed(_ call: MoneyCall, error: FPSError, journalID: Int64, attempts: Int) {
        let notice = Notices.callFailed(action: call.action, error: error, attempts: attempts)
        var ledgerProblem = ""
        do {
            try ledger.setPhase(orderID: call.orderNumber, phase: call.phaseBefore.rawValue)
            try ledger.finishCall(journalID, outcome: .failed, result: Notices.redactLongTokens(error.description))
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

    /// Queues the work an order needs after it was loaded: finishing a call the previous
    /// session journaled but never completed, or resuming polling of a Pending transaction.
    func resumeInterruptedWork(orderNumber: Int64) {
        enqueueWork { [self] in await recover(orderNumber: orderNumber) }
    }

    private func recover(orderNumber: Int64) async {
        guard context.orderNumber == orderNumber else { return }
        let detail: LedgerOrderDetail
        let unfinished: [JournalEntry]
        do {
            detail = try ledger.loadOrder(orderNumber)
            unfinished = try ledger.journal(orderID: orderNumber, unfinishedOnly: true)
        } catch {
            return reject("The ledger could not load order \(orderNumber) to resume it: \(error).")
        }
        let phase = CheckoutPhase(rawValue: detail.order.phase) ?? .assembling
        let callingPhases: Set<CheckoutPhase> = [.paying, .reserving, .settling, .cancelling, .refunding]

        guard callingPhases.contains(phase), let entry = unfinished.last else {
            // The outcome reached the order before the journal entry was closed.
            for entry in unfinished {
                try? ledger.finishCall(entry.id, outcome: .interrupted, result: "Closed on restart: the order had already reached phase \(phase.rawValue).")
            }
            if callingPhases.contains(phase) {
                try? ledger.setPhase(orderID: orderNumber, phase: Self.phaseBeforeCall(in: phase, detail: detail).rawValue)
                try? show(try ledger.loadOrder(orderNumber), notice: nil, problem: false)
            }
            if phase == .pending, let transaction = detail.latestTransaction, !isPolling {
                startPolling(orderNumber: orderNumber, transactionID: transaction.transactionID, kind: transaction.kind)
            }
            resumeRefundPolling(detail: detail)
            return
        }

        for stale in unfinished {
            try? ledger.finishCall(stale.id, outcome: .interrupted,
                                   result: "Interrupted: the session stopped before the outcome arrived. Re-sent on restart.")
        }
        if entry.action == "Refund" {
            return await resendInterruptedRefund(entry, detail: detail)
        }
        guard let call = interruptedCall(entry, detail: detail) else {
            try? ledger.setPhase(orderID: orderNumber, phase: Self.phaseBeforeCall(in: phase, detail: detail).rawValue)
            try? show(try ledger.loadOrder(orderNumber), notice: nil, problem: false)
            return reject("The \(entry.action) that was running when the console stopped cannot be re-sent: its details are missing from the ledger. Check the order's transactions.")
        }
        log(.info, "Resuming the \(entry.action) for order \(orderNumber) that was running when the console stopped.")
        inform("Finishing the \(entry.action) that was running when the console stopped.")
        await run(call, checkStatusFirst: true)
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

    /// Rebuilds the call of a journal entry, with its original CallerReference and amount.
    private func interruptedCall(_ entry: JournalEntry, detail: LedgerOrderDetail) -> MoneyCall? {
        let currency = entry.currency ?? detail.order.currency
        let amount = Money(minorUnits: entry.amountMinor ?? detail.order.totalMinor, currency: currency)
        switch entry.action {
        case "Pay", "Reserve":
            guard let reference = entry.callerReference, let token = detail.token else { return nil }
            return MoneyCall(kind: entry.action == "Pay" ? .pay : .reserve, orderNumber: detail.order.id, amount: amount,
                             callerReference: reference, tokenID: token.tokenID)
        case "Settle":
            guard let reserveID = entry.transactionID else { return nil }
            let reserve = try? ledger.transactions(orderID: detail.order.id).last { $0.kind == .reserve && $0.transactionID == reserveID }
            let isFull = reserve.map { $0.amountMinor == amount.minorUnits } ?? false
            return MoneyCall(kind: .settle, orderNumber: detail.order.id, amount: amount, callerReference: nil, tokenID: nil,
                             targetTransactionID: reserveID, settleAmount: isFull ? nil : amount)
        case "Cancel":
            guard let targetID = entry.transactionID else { return nil }
            return MoneyCall(kind: .cancel, orderNumber: detail.order.id, amount: amount, callerReference: nil, tokenID: nil,
                             targetTransactionID: targetID,
                             cancelledFrom: Self.phaseBeforeCall(in: .cancelling, detail: detail))
        default:
            return nil
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

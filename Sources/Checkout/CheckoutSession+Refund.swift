import FPSClient
import Foundation
import Ledger

/// Refund and Cancel: reversing a charge, and releasing a hold or a pending payment.
extension CheckoutSession {
    // MARK: Cancel

    func cancel() async {
        guard state.availability(of: .cancel).allowed else { return reject(state.availability(of: .cancel).reason) }
        guard let orderNumber = context.orderNumber else { return }
        // A pending transaction is being polled; the poll must not record a status after the
        // Cancel's outcome.
        await stopPolling()
        let availability = state.availability(of: .cancel)
        guard availability.allowed else { return reject(availability.reason) }
        let phaseBefore = state.phase

        let target: LedgerTransaction
        let earlierCancel: Bool
        do {
            let transactions = try ledger.transactions(orderID: orderNumber)
            guard let found = transactions.last(where: { $0.kind == .pay || $0.kind == .reserve }) else {
                return reject("Order \(orderNumber) has no Pay or Reserve transaction to cancel.")
            }
            target = found
            earlierCancel = try ledger.journal(orderID: orderNumber).contains { $0.action == "Cancel" && $0.outcome != .answered }
        } catch {
            return reject("The ledger could not load order \(orderNumber): \(error). Nothing was sent.")
        }
        let call = MoneyCall(kind: .cancel, orderNumber: orderNumber,
                             amount: Money(minorUnits: target.amountMinor, currency: target.currency),
                             callerReference: nil, tokenID: nil, targetTransactionID: target.transactionID,
                             cancelledFrom: phaseBefore)
        // Cancel has no CallerReference: after an earlier Cancel with an unknown outcome, the
        // target's status decides whether to send another.
        await run(call, checkStatusFirst: earlierCancel)
    }

    // MARK: Refund

    /// Returns the CallerReference of an order's refund number `sequence`. It depends only on
    /// the order's CBUI reference, which no longer changes once money moved, and the sequence
    /// number, so re-sending a refund reuses its reference and FPS cannot refund it twice.
    static func refundReference(cbuiReference: String, sequence: Int64) -> String {
        "\(cbuiReference)-refund-\(sequence)"
    }

    func refund(amountText: String?) async {
        let availability = state.availability(of: .refund)
        guard availability.allowed else { return reject(availability.reason) }
        guard let orderNumber = context.orderNumber else { return }
        let detail: LedgerOrderDetail
        let transactions: [LedgerTransaction]
        do {
            detail = try ledger.loadOrder(orderNumber)
            transactions = try ledger.transactions(orderID: orderNumber)
        } catch {
            return reject("The ledger could not load order \(orderNumber): \(error). Nothing was sent.")
        }
        let currency = detail.order.currency
        guard let chargedMinor = detail.chargedMinor,
              let original = transactions.last(where: { ($0.kind == .pay || $0.kind == .settle) && $0.status == TransactionStatus.success.rawValue }) else {
            return reject("Order \(orderNumber) has no successful payment or settlement to refund.")
        }
        let charged = Money(minorUnits: chargedMinor, currency: currency)
        let text = amountText?.trimmingCharacters(in: .whitespaces) ?? ""
        var requested: Money?
        if !text.isEmpty {
            do throws(AmountError) {
                requested = try Money.parse(text, currency: currency)
            } catch {
                return reject("Refund amount \"\(error.input)\" is invalid: \(error.reason)")
            }
        }

        // A refund whose outcome is unknown goes out again with its own reference before any new one.
        // NOTE: such a refund can only be re-sent, never dropped, so an endpoint that stays
        // unreachable blocks further refunds of this order.
        if let unresolved = detail.refunds.last(where: { $0.status == .requested }) {
            let amount = Money(minorUnits: unresolved.amountMinor, currency: unresolved.currency)
            if let requested, requested != amount {
                return reject("Refund \(unresolved.sequence) of \(amount) has an unknown outcome. Press Refund with no amount or \(amount.decimalString) to send it again with its reference; a new amount must wait until it is settled.")
            }
            let journalID: Int64
            do {
                journalID = try ledger.beginCall(orderID: orderNumber, action: "Refund", callerReference: unresolved.callerReference,
                                                 transactionID: unresolved.originalTransactionID, amountMinor: unresolved.amountMinor,
                                                 currency: unresolved.currency, parameters: Self.refundParameters(unresolved),
                                                 phase: CheckoutPhase.refunding.rawValue)
            } catch {
                return reject("Refund was not sent because the ledger could not record it: \(error).", auditAs: .refund)
            }
            log(.info, "Sending refund \(unresolved.sequence) of order \(orderNumber) again with its reference \(unresolved.callerReference).")
            return await send(unresolved, journalID: journalID, orderNumber: orderNumber)
        }

        let committed = detail.refunds.filter(\.status.countsAgainstCharge).reduce(Int64(0)) { $0 + $1.amountMinor }
        let left = Money(minorUnits: max(0, chargedMinor - committed), currency: currency)
        let amount = requested ?? left
        guard left.minorUnits > 0 else {
            return reject("Nothing is left to refund: the \(charged) charged is already refunded or in refunds still in progress.")
        }
        guard amount <= left else {
            return reject(Self.overRefundMessage(amount: amount, left: left, charged: charged, committedMinor: committed))
        }

        let cbuiReference = detail.order.callerReference
        let started: (refund: LedgerRefund, journalID: Int64)
        do {
            started = try ledger.beginRefund(
                orderID: orderNumber, originalTransactionID: original.transactionID, amountMinor: amount.minorUnits,
                currency: currency,
                makeCallerReference: { Self.refundReference(cbuiReference: cbuiReference, sequence: $0) },
                parameters: { reference in
                    "TransactionId=\(original.transactionID) RefundAmount=\(amount) CallerReference=\(reference)"
                },
                phase: CheckoutPhase.refunding.rawValue)
        } catch LedgerError.refundExceedsCharge(_, _, let chargedNow, let committedNow) {
            // Another session refunded part of this order since it was loaded.
            let leftNow = Money(minorUnits: max(0, chargedNow - committedNow), currency: currency)
            return reject(Self.overRefundMessage(amount: amount, left: leftNow, charged: Money(minorUnits: chargedNow, currency: currency),
                                                 committedMinor: committedNow))
        } catch {
            return reject("Refund was not sent because the ledger could not record it: \(error).", auditAs: .refund)
        }
        await send(started.refund, journalID: started.journalID, orderNumber: orderNumber)
    }

    static func overRefundMessage(amount: Money, left: Money, charged: Money, committedMinor: Int64) -> String {
        let committed = Money(minorUnits: committedMinor, currency: charged.currency)
        return "Refund of \(amount) is more than the \(left) not yet refunded of the \(charged) charged (\(committed) already refunded or in progress). Nothing was sent. Type at most \(left.decimalString), or leave the amount empty to refund all of it."
    }

    static func refundParameters(_ refund: LedgerRefund) -> String {
        let amount = Money(minorUnits: refund.amountMinor, currency: refund.currency)
        return "TransactionId=\(refund.originalTransactionID) RefundAmount=\(amount) CallerReference=\(refund.callerReference)"
    }

    /// Sends a journaled refund with retries. Every attempt carries the refund's own
    /// CallerReference, amount and description, so FPS treats a repeat as the same request.
    private func send(_ refund: LedgerRefund, journalID: Int64, orderNumber: Int64) async {
        let amount = Money(minorUnits: refund.amountMinor, currency: refund.currency)
        reloadRefunds(orderNumber: orderNumber)
        update { state, _ in
            state.phase = .refunding
            state.busyStep = ("Refund", Date())
            state.notice = nil
        }
        audit(.refund, outcome: "Sending refund \(refund.sequence): \(Self.refundParameters(refund))", amount: amount,
              orderNumber: orderNumber)
        log(.info, "Refund \(refund.sequence) for order \(orderNumber): \(Self.refundParameters(refund))")

        let maxAttempts = configuration.maxAttempts
        let description = "Refund \(refund.sequence) of order \(orderNumber)"
        for attempt in 1...maxAttempts {
            if attempt > 1 {
                update { state, _ in state.busyStep = ("Refund, attempt \(attempt) of \(maxAttempts)", Date()) }
            }
            let outcome = await capture({ () async throws(FPSError) in
                try await client.refund(transactionID: refund.originalTransactionID, callerReference: refund.callerReference,
                                        amount: amount, callerDescription: description)
            })
            switch outcome {
            case .success(let result):
                return refundAnswered(refund, result, journalID: journalID, orderNumber: orderNumber)
            case .failure(let error):
                guard await waitBeforeRetry(action: "Refund", error: error, attempt: attempt) else {
                    return refundFailed(refund, error: error, journalID: journalID, orderNumber: orderNumber, attempts: attempt)
                }
            }
        }
    }

    static func refundStatus(_ status: TransactionStatus) -> LedgerRefundStatus {
        switch status {
        case .success: return .success
        case .failure, .cancelled: return .failure
        // A refund is a new transaction that is never Reserved; anything unexpected is watched further.
        case .pending, .reserved: return .pending
        }
    }

    private func refundAnswered(_ refund: LedgerRefund, _ result: TransactionResult, journalID: Int64, orderNumber: Int64) {
        let status = Self.refundStatus(result.status)
        let amount = Money(minorUnits: refund.amountMinor, currency: refund.currency)
        var ledgerProblem = ""
        do {
            try ledger.recordRefundStatus(refundID: refund.id, transactionID: result.transactionID, status: status,
                                          statusCode: result.statusCode, phase: CheckoutPhase.succeeded.rawValue)
            try ledger.finishCall(journalID, outcome: .answered, result: Self.describe(result), transactionID: result.transactionID)
        } catch {
            ledgerProblem = " The ledger could not record it (\(error)), so write down refund transaction \(result.transactionID)."
        }
        let notice = refundNotice(refund, transactionID: result.transactionID, status: status, result: result) + ledgerProblem
        reloadRefunds(orderNumber: orderNumber)
        update { state, _ in
            state.phase = .succeeded
            state.busyStep = nil
            state.notice = notice
            state.noticeIsProblem = status == .failure || !ledgerProblem.isEmpty
        }
        log(status == .failure ? .failure : .info, "Refund \(refund.sequence) for order \(orderNumber) returned transaction \(result.transactionID): \(Self.describe(result)).")
        audit(.refund, outcome: "Answered: refund \(refund.sequence) transaction \(result.transactionID) is \(Self.describe(result)).",
              amount: amount, orderNumber: orderNumber)
        if status == .pending {
            startRefundPolling(orderNumber: orderNumber, refundID: refund.id, transactionID: result.transactionID)
        }
    }

    private func refundNotice(_ refund: LedgerRefund, transactionID: String, status: LedgerRefundStatus,
                              result: TransactionResult) -> String {
        let amount = Money(minorUnits: refund.amountMinor, currency: refund.currency)
        switch status {
        case .success:
            return "Refunded \(amount) (refund \(refund.sequence), transaction \(transactionID))."
        case .pending:
            return "Refund \(refund.sequence) of \(amount) is pending at the payment service (transaction \(transactionID)). The status is checked every \(Notices.seconds(configuration.pollInterval))."
        default:
            var reason = result.status.rawValue
            if let code = result.statusCode { reason += ", \(code)" }
            return "Refund \(refund.sequence) of \(amount) failed: transaction \(transactionID) is \(reason). No money went back; refund again to retry with a new reference."
        }
    }

    private func refundFailed(_ refund: LedgerRefund, error: FPSError, journalID: Int64, orderNumber: Int64, attempts: Int) {
        let amount = Money(minorUnits: refund.amountMinor, currency: refund.currency)
        // An error document or a request the client would not send created no transaction. Any
        // other failure may have reached FPS, so the refund stays `requested` and is re-sent.
        let noTransaction: Bool
        switch error {
        case .service, .invalidRequest: noTransaction = true
        case .transport, .malformedResponse: noTransaction = false
        }
        var ledgerProblem = ""
        do {
            try ledger.recordRefundStatus(refundID: refund.id, transactionID: nil,
                                          status: noTransaction ? .rejected : .requested, statusCode: error.code,
                                          phase: CheckoutPhase.succeeded.rawValue)
            try ledger.finishCall(journalID, outcome: .failed, result: Notices.redactLongTokens(error.description))
        } catch {
            ledgerProblem = " The ledger could not record the failure: \(error)."
        }
        let notice = Notices.callFailed(action: "Refund", error: error, attempts: attempts) + ledgerProblem
        reloadRefunds(orderNumber: orderNumber)
        update { state, _ in
            state.phase = .succeeded
            state.busyStep = nil
            state.notice = notice
            state.noticeIsProblem = true
        }
        log(.failure, "Refund \(refund.sequence) for order \(orderNumber) failed after \(attempts) attempt(s): \(Notices.redactLongTokens(error.description))")
        audit(.refund, outcome: "Failed after \(attempts) attempt(s): \(error.description)", amount: amount, orderNumber: orderNumber)
    }

    /// Re-sends the refund of a journal entry that a stopped session never finished.
    func resendInterruptedRefund(_ entry: JournalEntry, detail: LedgerOrderDetail) async {
        let orderNumber = detail.order.id
        guard let refund = detail.refunds.last(where: { $0.callerReference == entry.callerReference }) else {
            try? ledger.setPhase(orderID: orderNumber, phase: CheckoutPhase.succeeded.rawValue)
            try? show(try ledger.loadOrder(orderNumber), notice: nil, problem: false)
            return reject("The Refund that was running when the console stopped cannot be re-sent: it is missing from the ledger. Check the order's refunds.")
        }
        let journalID: Int64
        do {
            journalID = try ledger.beginCall(orderID: orderNumber, action: "Refund", callerReference: refund.callerReference,
                                             transactionID: refund.originalTransactionID, amountMinor: refund.amountMinor,
                                             currency: refund.currency, parameters: Self.refundParameters(refund),
                                             phase: CheckoutPhase.refunding.rawValue)
        } catch {
            return reject("The interrupted refund was not sent again because the ledger failed: \(error).", auditAs: .refund)
        }
        log(.info, "Resuming refund \(refund.sequence) for order \(orderNumber) that was running when the console stopped.")
        await send(refund, journalID: journalID, orderNumber: orderNumber)
    }

    // MARK: Refund status

    /// Starts polling the order's first pending refund, unless something is already polled.
    func resumeRefundPolling(detail: LedgerOrderDetail) {
        guard !isPolling, let pending = detail.refunds.first(where: { $0.status == .pending && $0.transactionID != nil }),
              let transactionID = pending.transactionID else { return }
        startRefundPolling(orderNumber: detail.order.id, refundID: pending.id, transactionID: transactionID)
    }

    func startRefundPolling(orderNumber: Int64, refundID: Int64, transactionID: String) {
        update { state, _ in state.busyStep = ("Waiting for refund status", Date()) }
        startPollingTask { [self] in
            await pollRefund(orderNumber: orderNumber, refundID: refundID, transactionID: transactionID)
        }
    }

    /// Polls a pending refund every `pollInterval`, up to `maxPolls` times, until it is final.
    private func pollRefund(orderNumber: Int64, refundID: Int64, transactionID: String) async {
        let maxPolls = configuration.maxPolls
        for check in 1...maxPolls {
            try? await Task.sleep(for: configuration.pollInterval)
            if Task.isCancelled { return }
            update { state, _ in
                state.busyStep = ("Waiting for refund status, check \(check) of \(maxPolls)", state.busyStep?.since ?? Date())
            }
            let outcome = await capture({ () async throws(FPSError) in try await client.getTransactionStatus(transactionID: transactionID) })
            switch outcome {
            case .failure(let error):
                let detail = Notices.redactLongTokens(error.description)
                guard error.isRetryable else {
                    log(.failure, "GetTransactionStatus for refund \(transactionID) failed: \(detail)")
                    return finishRefundPolling(orderNumber: orderNumber,
                                               notice: "The refund status check was refused: \(detail) Refund transaction \(transactionID) stays pending; refresh its status later.",
                                               problem: true)
                }
                log(.retry, "GetTransactionStatus for refund \(transactionID) failed (\(detail)); checking again in \(Notices.seconds(configuration.pollInterval)).")
            case .success(let result):
                let status = Self.refundStatus(result.status)
                do {
                    try ledger.recordRefundStatus(refundID: refundID, transactionID: transactionID, status: status,
                                                  statusCode: result.statusCode)
                } catch {
                    return finishRefundPolling(orderNumber: orderNumber,
                                               notice: "Refund transaction \(transactionID) is \(Self.describe(result)), but the ledger could not record it: \(error).",
                                               problem: true)
                }
                guard status != .pending else { continue }
                log(status == .success ? .info : .failure, "Refund transaction \(transactionID) is now \(Self.describe(result)).")
                let refund = try? ledger.refund(refundID)
                let amount = refund.map { Money(minorUnits: $0.amountMinor, currency: $0.currency) }
                audit(.refund, outcome: "Refund transaction \(transactionID) is \(Self.describe(result)).", amount: amount,
                      orderNumber: orderNumber)
                let notice = refund.map { refundNotice($0, transactionID: transactionID, status: status, result: result) }
                    ?? "Refund transaction \(transactionID) is \(Self.describe(result))."
                return finishRefundPolling(orderNumber: orderNumber, notice: notice, problem: status != .success)
            }
        }
        finishRefundPolling(orderNumber: orderNumber,
                            notice: "Refund transaction \(transactionID) is still pending after \(maxPolls) status checks. Refresh its status later.",
                            problem: true)
    }

    private func finishRefundPolling(orderNumber: Int64, notice: String, problem: Bool) {
        reloadRefunds(orderNumber: orderNumber)
        update { state, _ in
            guard state.orderID == String(orderNumber) else { return }
            state.busyStep = nil
            state.notice = notice
            state.noticeIsProblem = problem
        }
    }

    // MARK: Showing refunds

    static func refundViews(_ refunds: [LedgerRefund]) -> [RefundView] {
        refunds.map { refund in
            let status: RefundStatus
            switch refund.status {
            case .requested: status = .requested
            case .rejected: status = .rejected
            case .pending: status = .pending
            case .success: status = .succeeded
            case .failure: status = .failed
            }
            return RefundView(sequence: Int(refund.sequence), callerReference: refund.callerReference,
                              amount: Money(minorUnits: refund.amountMinor, currency: refund.currency),
                              transactionID: refund.transactionID, status: status, statusCode: refund.statusCode,
                              lastUpdate: refund.updated)
        }
    }

    /// Reads the order's refunds and charge from the ledger into the state.
    func reloadRefunds(orderNumber: Int64) {
        guard let refunds = try? ledger.refunds(orderID: orderNumber) else { return }
        let charged = try? ledger.chargedMinor(orderID: orderNumber)
        let currency = context.currency
        update { state, _ in
            guard state.orderID == String(orderNumber) else { return }
            state.refunds = Self.refundViews(refunds)
            state.charged = charged.flatMap { $0 }.map { Money(minorUnits: $0, currency: currency) }
        }
    }
}

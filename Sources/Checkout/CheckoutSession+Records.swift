import FPSClient
import Foundation
import Ledger

/// The order list, the audit trail and the idle lock.
extension CheckoutSession {
    // MARK: Order list

    /// Lists orders of every desk, most recently updated first, in one ledger query.
    ///
    /// `phases` keeps only orders in those phases. `search` keeps orders whose id, line
    /// descriptions, or transaction or refund ids contain it, ignoring case for ASCII letters.
    /// A ledger failure returns an empty list and sets a notice.
    public func orders(phases: Set<CheckoutPhase>? = nil, search: String? = nil, limit: Int = 500) -> [OrderSummary] {
        do {
            let rows = try ledger.orderSummaries(phases: phases.map { $0.map(\.rawValue).sorted() }, search: search, limit: limit)
            return rows.map { row in
                let order = row.order
                return OrderSummary(
                    orderID: String(order.id), phase: CheckoutPhase(rawValue: order.phase) ?? .assembling,
                    mode: ChargeMode(rawValue: order.mode) ?? .payNow,
                    total: order.totalMinor > 0 ? Money(minorUnits: order.totalMinor, currency: order.currency) : nil,
                    created: order.created, updated: order.updated, desk: order.desk,
                    firstLineDescription: row.firstLineDescription, transactionID: row.transactionID,
                    transactionStatus: row.transactionStatus.flatMap(TransactionStatus.init(wire:)))
            }
        } catch {
            update { state, _ in
                state.notice = "The order list could not be read from the ledger: \(error). Try again."
                state.noticeIsProblem = true
            }
            return []
        }
    }

    // MARK: Audit trail

    /// Lists the latest `limit` audit rows, newest first. A ledger failure returns an empty
    /// list and sets a notice.
    public func auditTrail(limit: Int = 200) -> [AuditEntry] {
        do {
            return try ledger.auditTrail(limit: limit).map { row in
                AuditEntry(id: row.id, time: row.at, desk: row.desk, clerk: row.clerk, action: row.action,
                           orderID: row.orderID.map(String.init),
                           amount: row.amountMinor.map { Money(minorUnits: $0, currency: row.currency ?? "USD") },
                           outcome: row.outcome)
            }
        } catch {
            update { state, _ in
                state.notice = "The audit trail could not be read from the ledger: \(error). Try again."
                state.noticeIsProblem = true
            }
            return []
        }
    }

    /// Appends an audit row for an event the console handles itself, such as `.quit`, with
    /// the current clerk and order. Writes at once, before returning.
    public func recordAudit(action: AuditAction, outcome: String) {
        audit(action, outcome: outcome)
    }

    /// Appends an audit row with the session's desk and current clerk. Long runs of letters and
    /// digits, such as token ids, are redacted first. A ledger failure is logged to the event
    /// list, because an audit failure must not stop the clerk's work.
    func audit(_ action: AuditAction, outcome: String, amount: Money? = nil, orderNumber: Int64? = nil) {
        let order = orderNumber ?? context.orderNumber
        let clerk = state.clerk
        do {
            try ledger.appendAudit(desk: configuration.desk, clerk: clerk, action: action.rawValue, orderID: order,
                                   amountMinor: amount?.minorUnits, currency: amount?.currency,
                                   outcome: Notices.redactLongTokens(outcome))
        } catch {
            log(.failure, "The audit row for \(action.rawValue) could not be written: \(error).")
        }
    }

    // MARK: Idle lock

    func lock() {
        if state.isLocked { return }
        update { state, _ in state.isLocked = true }
        audit(.lock, outcome: "Locked; order \(state.orderID) kept as it was (\(state.phase.rawValue)).")
    }

    func unlock(clerk rawClerk: String) {
        let clerk = rawClerk.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !clerk.isEmpty else {
            return reject("The clerk name is empty. Type the clerk who unlocks the console.")
        }
        guard state.isLocked else { return inform("The console is not locked.") }
        update { state, _ in
            state.isLocked = false
            state.clerk = clerk
        }
        audit(.unlock, outcome: "Unlocked by \(clerk).")
    }

    /// Returns true for intents a locked console still accepts: the lock itself, unlocking,
    /// and a status check that changes nothing the clerk typed.
    static func isAllowedWhileLocked(_ intent: CheckoutIntent) -> Bool {
        switch intent {
        case .lock, .unlock, .refreshStatus: return true
        default: return false
        }
    }
}

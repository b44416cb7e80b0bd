import FPSClient
import Foundation
import Ledger
import Synchronization

/// Facts about the current order that the flow needs and the screen does not show.
struct OrderContext: Sendable {
    /// The ledger id of the order, or nil while the ledger could not create one.
    var orderNumber: Int64?
    var currency = "USD"
    /// The action behind the order's latest transaction, which decides what a status means.
    var transactionKind: LedgerTransactionKind?
}

/// One checkout at a time, driven by intents and published as `CheckoutState`.
///
/// `send` returns at once. Intents run one after another in a background task, in the order
/// they were sent, while polling a Pending transaction runs beside them. The state is guarded
/// by a mutex, so `state` and `send` may be called from any thread. Every step is written to
/// the ledger before the state changes, so a restarted session resumes the same order.
public final class CheckoutSession: Sendable {
    typealias Authorize = @Sendable (_ rawURI: String, _ expectedCallerReference: String, _ requireCard: Bool) async
        -> Result<Authorization, ReturnRefusal>

    /// Number of events kept in `state.events`.
    public static let eventLimit = 200

    let configuration: CheckoutConfiguration
    let client: any FPSActions
    let authorize: Authorize
    let ledger: Ledger
    /// This session's name in order leases: desk, process id and a random part.
    let leaseOwner: String
    private let inner: Mutex<Inner>

    private struct Inner: Sendable {
        var state: CheckoutState
        var context = OrderContext()
        var observers: [@Sendable (CheckoutState) -> Void] = []
        /// The last queued intent. Each new one waits for it, which keeps intents in order.
        var queueTail: Task<Void, Never>?
        var pollTask: Task<Void, Never>?
        var pollGeneration = 0
    }

    /// Opens the checkout: resumes the desk's latest unfinished order from the ledger, or
    /// starts a new one. Every call of this desk that has no recorded outcome, on any order,
    /// is then resolved in the background with the same CallerReference and parameters.
    public convenience init(configuration: CheckoutConfiguration, client: any FPSActions, verifier: ReturnURIVerifier,
                            ledger: Ledger) {
        self.init(configuration: configuration, client: client, ledger: ledger) { rawURI, reference, requireCard in
            await verifier.authorize(rawURI, expectedCallerReference: reference, requireCard: requireCard)
        }
    }

    /// Builds a session whose return-URI check is `authorize`, so unit tests can run the
    /// flow without signed return URIs.
    init(configuration: CheckoutConfiguration, client: any FPSActions, ledger: Ledger, authorize: @escaping Authorize) {
        self.configuration = configuration
        self.client = client
        self.ledger = ledger
        self.authorize = authorize
        leaseOwner = IntentRecovery.makeOwner(desk: configuration.desk)
        let empty = CheckoutState(orderID: "", phase: .assembling, mode: .payNow, lines: [], callerReference: "",
                                  isSandbox: configuration.endpoints.isSandbox, clerk: configuration.clerk)
        inner = Mutex(Inner(state: empty))
        resumeOrStart()
    }

    // MARK: Public interface

    /// The current state, safe to read from any thread.
    public var state: CheckoutState { inner.withLock { $0.state } }

    /// Calls `handler` after every change, on whichever thread made the change.
    public func observe(_ handler: @escaping @Sendable (CheckoutState) -> Void) {
        inner.withLock { $0.observers.append(handler) }
    }

    /// Queues `intent` and returns at once.
    public func send(_ intent: CheckoutIntent) {
        enqueue { await self.handle(intent) }
    }

    /// Returns when every queued intent ran and no status polling is running.
    public func waitUntilIdle() async {
        while true {
            let (queue, poll) = inner.withLock { ($0.queueTail, $0.pollTask) }
            await queue?.value
            await poll?.value
            let unchanged = inner.withLock { $0.queueTail == queue && ($0.pollTask == nil || $0.pollTask == poll) }
            if unchanged { return }
        }
    }

    /// Adds a request, response or retry line to `state.events`, keeping the last `eventLimit`.
    /// Pass it as the API client's event sink; the events must already be redacted.
    public func recordEvent(_ event: FPSEvent) {
        update { state, _ in
            state.events.append(event)
            if state.events.count > Self.eventLimit { state.events.removeFirst(state.events.count - Self.eventLimit) }
        }
    }

    // MARK: Internal plumbing

    private func enqueue(_ work: @escaping @Sendable () async -> Void) {
        inner.withLock { inner in
            let previous = inner.queueTail
            inner.queueTail = Task {
                await previous?.value
                await work()
            }
        }
    }

    private func handle(_ intent: CheckoutIntent) async {
        if state.isLocked, !Self.isAllowedWhileLocked(intent) {
            return reject("The console is locked, so nothing was changed or sent. Unlock it to continue.")
        }
        switch intent {
        case .addLine(let description, let quantity, let unitPrice):
            addLine(description: description, quantityText: quantity, unitPriceText: unitPrice)
        case .removeLine(let index):
            removeLine(at: index)
        case .setMode(let mode):
            setMode(mode)
        case .buildURL:
            buildURL()
        case .submitReturnURI(let rawURI):
            await submitReturnURI(rawURI)
        case .pay:
            await startPayment(kind: .pay)
        case .reserve:
            await startPayment(kind: .reserve)
        case .settle(let amount):
            await settle(amountText: amount)
        case .newOrder:
            newOrder()
        case .open(let orderID):
            await open(orderIDText: orderID)
        case .refreshStatus:
            refreshStatus()
        case .refund(let amount):
            await refund(amountText: amount)
        case .cancel:
            await cancel()
        case .lock:
            lock()
        case .unlock(let clerk):
            unlock(clerk: clerk)
        }
    }

    /// Changes state and context under the lock, then calls the observers with the new state.
    @discardableResult
    func update<T: Sendable>(_ body: (inout CheckoutState, inout OrderContext) -> T) -> T {
        let (result, snapshot, observers) = inner.withLock { inner in
            let result = body(&inner.state, &inner.context)
            return (result, inner.state, inner.observers)
        }
        for observer in observers { observer(snapshot) }
        return result
    }

    var context: OrderContext { inner.withLock { $0.context } }

    var isPolling: Bool { inner.withLock { $0.pollTask != nil } }

    /// Shows a problem notice, changes nothing else, and records it in the audit trail as
    /// `auditAction` (a refusal unless the caller names the action that failed).
    func reject(_ message: String, auditAs auditAction: AuditAction = .refusal) {
        update { state, _ in
            state.notice = message
            state.noticeIsProblem = true
        }
        audit(auditAction, outcome: message)
    }

    /// Shows a notice that reports progress or success.
    func inform(_ message: String) {
        update { state, _ in
            state.notice = message
            state.noticeIsProblem = false
        }
    }

    func log(_ kind: FPSEvent.Kind, _ text: String) {
        recordEvent(FPSEvent(kind: kind, text: text))
    }

    /// Runs `poll` as the session's one polling task, which removes itself when it ends.
    func startPollingTask(_ poll: @escaping @Sendable () async -> Void) {
        inner.withLock { inner in
            inner.pollTask?.cancel()
            inner.pollGeneration += 1
            let generation = inner.pollGeneration
            inner.pollTask = Task {
                await poll()
                self.inner.withLock { inner in
                    if inner.pollGeneration == generation { inner.pollTask = nil }
                }
            }
        }
    }

    /// Stops the polling task, if any, and waits until it has ended.
    func stopPolling() async {
        let task = inner.withLock { inner -> Task<Void, Never>? in
            let task = inner.pollTask
            task?.cancel()
            inner.pollGeneration += 1
            inner.pollTask = nil
            return task
        }
        await task?.value
        update { state, _ in state.busyStep = nil }
    }

    /// Queues background work, such as finishing a call interrupted by a restart.
    func enqueueWork(_ work: @escaping @Sendable () async -> Void) {
        enqueue(work)
    }
}

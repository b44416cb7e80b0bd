import Checkout

/// The checkout interface the console needs: the current state, a way to send intents, and
/// change notifications. `CheckoutSession` provides it, and tests may pass a stand-in.
public protocol CheckoutDriving: Sendable {
    var state: CheckoutState { get }
    /// Queues an intent; the resulting state arrives through `observe`.
    func send(_ intent: CheckoutIntent)
    /// Calls `handler` after every state change, on any thread.
    func observe(_ handler: @escaping @Sendable (CheckoutState) -> Void)
    /// Lists orders, most recently updated first: at most `limit`, only in `phases` when given,
    /// and only those matching `search` when given. Runs a ledger query, so call it off the
    /// event loop.
    func orders(phases: Set<CheckoutPhase>?, search: String?, limit: Int) -> [OrderSummary]
}

extension CheckoutSession: CheckoutDriving {}

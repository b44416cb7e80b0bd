import Checkout

/// The checkout interface the console needs: the current state, a way to send intents, and
/// change notifications. `CheckoutSession` provides it, and tests may pass a stand-in.
public protocol CheckoutDriving: Sendable {
    var state: CheckoutState { get }
    /// Queues an intent; the resulting state arrives through `observe`.
    func send(_ intent: CheckoutIntent)
    /// Calls `handler` after every state change, on any thread.
    func observe(_ handler: @escaping @Sendable (CheckoutState) -> Void)
}

extension CheckoutSession: CheckoutDriving {}

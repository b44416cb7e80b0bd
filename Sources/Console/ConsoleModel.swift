import Checkout
import FPSClient
import Foundation

/// The fields and panes that take keyboard focus, in Tab order.
enum Focus: CaseIterable, Equatable {
    case description, quantity, unitPrice, returnURI, actions

    var isTextField: Bool { self != .actions }
}

/// The full-screen views the console switches between.
enum Screen: Equatable {
    case checkout
    case orders

    /// The key-table rows that apply on this screen, besides the ones that apply everywhere.
    var keyScope: KeyScope {
        switch self {
        case .checkout: return .checkout
        case .orders: return .orders
        }
    }
}

/// A box drawn over the panes that takes every key until it closes.
enum Overlay: Equatable {
    case help(scroll: Int)
    /// The CBUI URL as a QR code for the customer's phone.
    case qrCode
    case confirmQuit
    case confirmPay
    case confirmReserve
    /// Asks for an optional partial amount; empty settles the full reserve.
    case settleAmount(TextField, problem: String?)
    case confirmSettle(amount: String?)
    /// Asks for an optional partial amount; empty refunds everything still refundable.
    case refundAmount(TextField, problem: String?)
    case confirmRefund(amount: String?)
    case confirmCancel

    /// Whether `y` here moves money or releases a hold.
    var movesMoney: Bool {
        switch self {
        case .confirmPay, .confirmReserve, .confirmSettle, .confirmRefund, .confirmCancel: return true
        case .help, .qrCode, .confirmQuit, .settleAmount, .refundAmount: return false
        }
    }
}

/// A typed line sent to the checkout. The fields clear at once, so the clerk can type the
/// next line while the checkout works, and a refusal puts the typed text back.
struct PendingLine: Equatable {
    var description: String
    var quantity: String
    var unitPrice: String
    /// The number of lines before the send; more lines in a later state mean the line was taken.
    var lineCountBefore: Int
}

/// A one-line message from the console itself, such as a refused key; cleared by the next key.
struct LocalNotice: Equatable {
    var text: String
    var isProblem: Bool
}

/// A step for the event loop after a key: talk to the checkout, start a task, write to the
/// terminal, redraw, or quit.
enum ConsoleEffect {
    case send(CheckoutIntent)
    case playCustomer(cbuiURL: String)
    /// Runs an orders-list query off the event loop; the rows come back through the inbox.
    case loadOrders(OrdersQuery)
    /// Writes `text` to the terminal's clipboard with OSC 52 after the next screen update.
    case copyToClipboard(String)
    case cycleTheme
    case clearAndRedraw
    case quit
}

/// Everything on screen that is not the checkout state: focus, typed text, dialogs and
/// notices. Keys change it through `handle(_:)`; it draws nothing itself.
struct ConsoleModel {
    var state: CheckoutState
    let canPlayCustomer: Bool
    /// The desk this console serves, shown in the header beside the clerk.
    let desk: String
    var screen: Screen = .checkout
    var orders = OrdersList()
    /// When the screen was locked, or nil while it is unlocked.
    var lockedSince: Date?
    /// The time of the last key, which the idle lock counts from.
    var lastActivity: Date
    /// Whether the window is below the minimum size, so only the too-small notice shows.
    /// The event loop sets it before each batch of keys.
    var isScreenTooSmall = false
    var focus: Focus = .description
    var description = TextField()
    var quantity = TextField()
    var unitPrice = TextField()
    var returnURI = TextField()
    /// Index into `ActionsPane.actions` of the highlighted action.
    var selectedAction = 0
    var overlay: Overlay?
    var localNotice: LocalNotice?
    /// A refusal of the typed line, shown under the order fields until the next edit.
    var fieldNotice: String?
    /// The line last sent to the checkout, not yet taken or refused.
    var pendingLine: PendingLine?
    /// Characters collected between the bracketed-paste markers, or nil outside a paste.
    var pasteBuffer: String?
    /// Start of a running "play the customer" task.
    var playingCustomerSince: Date?
    /// Set by Enter on the empty return-URI field while the customer is being played: the
    /// return URI is verified as soon as it arrives, and keys until then are discarded.
    var verifiesCustomerReturn = false
    /// Names of the keys discarded while `verifiesCustomerReturn` is set, for the notice.
    var discardedKeys: [String] = []

    init(state: CheckoutState, canPlayCustomer: Bool, desk: String = "desk-1", now: Date = Date()) {
        self.state = state
        self.canPlayCustomer = canPlayCustomer
        self.desk = desk
        lastActivity = now
        focus = Self.preferredFocus(for: state.phase) ?? .description
        selectDefaultAction()
    }

    /// True while something runs in the background, so the spinner needs a timer tick.
    var isAnimating: Bool {
        lockedSince == nil && (state.busyStep != nil || playingCustomerSince != nil || (screen == .orders && orders.isLoading))
    }

    var isLocked: Bool { lockedSince != nil }

    /// True when quitting would leave an order that is not final.
    var orderIsOpen: Bool {
        switch state.phase {
        case .succeeded, .failed, .cancelled: return false
        case .assembling: return !state.lines.isEmpty
        default: return true
        }
    }

    func field(_ focus: Focus) -> TextField? {
        switch focus {
        case .description: return description
        case .quantity: return quantity
        case .unitPrice: return unitPrice
        case .returnURI: return returnURI
        case .actions: return nil
        }
    }

    mutating func updateField(_ focus: Focus, _ change: (inout TextField) -> Void) {
        switch focus {
        case .description: change(&description)
        case .quantity: change(&quantity)
        case .unitPrice: change(&unitPrice)
        case .returnURI: change(&returnURI)
        case .actions: break
        }
    }

    /// Returns where focus goes when the checkout enters `phase`, or nil to leave it.
    static func preferredFocus(for phase: CheckoutPhase) -> Focus? {
        switch phase {
        case .assembling: return nil
        case .awaitingReturn: return .returnURI
        default: return .actions
        }
    }

    // MARK: - Checkout state

    /// Takes a newly published state: resets the fields for a new order, clears them once a
    /// line is taken, keeps them and shows the refusal when it is not, and moves focus
    /// when the phase changes.
    mutating func apply(_ newState: CheckoutState) {
        let previous = state
        state = newState

        if newState.orderID != previous.orderID {
            resetForNewOrder()
            return
        }

        if let pending = pendingLine {
            if newState.lines.count > pending.lineCountBefore {
                fieldNotice = nil
            } else if newState.noticeIsProblem, let notice = newState.notice {
                restore(pending)
                fieldNotice = notice
            }
            pendingLine = nil
        }

        if newState.phase != previous.phase {
            if previous.phase == .awaitingReturn, newState.phase != .assembling { returnURI.clear() }
            // The customer has come back from the URL, so the QR code would only invite a second try.
            if overlay == .qrCode, newState.phase != .awaitingReturn { overlay = nil }
            if let target = Self.preferredFocus(for: newState.phase) { focus = target }
            selectDefaultAction()
        }
    }

    /// Puts a refused line back into the fields, unless the clerk already typed the next one.
    private mutating func restore(_ pending: PendingLine) {
        guard description.isEmpty, quantity.isEmpty, unitPrice.isEmpty else { return }
        description = TextField(pending.description)
        quantity = TextField(pending.quantity)
        unitPrice = TextField(pending.unitPrice)
        if focus == .description { focus = .unitPrice }
    }

    private mutating func resetForNewOrder() {
        description.clear()
        quantity.clear()
        unitPrice.clear()
        returnURI.clear()
        fieldNotice = nil
        pendingLine = nil
        overlay = nil
        verifiesCustomerReturn = false
        discardedKeys = []
        focus = Self.preferredFocus(for: state.phase) ?? .description
        selectDefaultAction()
    }

    /// Highlights the next step allowed now (Pay, Reserve, Settle, Build URL, then New order), so Enter
    /// on the actions pane moves the order forward.
    mutating func selectDefaultAction() {
        let actions = ActionsPane.actions
        for next in [CheckoutAction.pay, .reserve, .settle, .buildURL, .newOrder, .refund] where state.availability(of: next).allowed {
            if let index = actions.firstIndex(where: { $0.action == next }) {
                selectedAction = index
                return
            }
        }
    }

    // MARK: - Background results

    /// Puts the sandbox customer's return URI in its field, and sends it for verification
    /// when the clerk already pressed Enter for it.
    @discardableResult
    mutating func customerApproved(returnURI uri: String) -> [ConsoleEffect] {
        playingCustomerSince = nil
        returnURI = TextField(uri)
        focus = .returnURI
        guard verifiesCustomerReturn else {
            localNotice = LocalNotice(text: "The sandbox customer approved the URL. Press Enter to verify the return URI.", isProblem: false)
            return []
        }
        let ignored = finishWaitingForCustomer()
        // With nothing discarded, the checkout's own notices report the verification.
        localNotice = ignored.map { LocalNotice(text: "The sandbox customer approved the URL; verifying the return URI. \($0)", isProblem: true) }
        return [.send(.submitReturnURI(uri))]
    }

    mutating func customerFailed(_ message: String) {
        playingCustomerSince = nil
        let ignored = finishWaitingForCustomer().map { " \($0)" } ?? ""
        localNotice = LocalNotice(text: "Playing the customer failed: \(message)\(ignored)", isProblem: true)
    }

    /// Ends the wait for the sandbox customer and returns a sentence naming the discarded
    /// keys, or nil when none were discarded.
    private mutating func finishWaitingForCustomer() -> String? {
        verifiesCustomerReturn = false
        defer { discardedKeys = [] }
        return discardedKeys.isEmpty ? nil : Self.ignoredKeysSentence(discardedKeys)
    }

    static func ignoredKeysSentence(_ keys: [String]) -> String {
        "Ignored while waiting: \(keys.joined(separator: ", ")); press them again if still needed."
    }
}

import FPSClient
import Foundation

/// How the order will be charged: at once, or held on a card and settled after fulfilment.
public enum ChargeMode: String, Sendable, CaseIterable {
    case payNow = "pay"
    case reserveThenSettle = "reserve"
}

/// One order line. `unitPrice` times `quantity` is the line total; no floating point.
public struct OrderLine: Sendable, Equatable {
    public var description: String
    public var quantity: Int64
    public var unitPrice: Money

    public init(description: String, quantity: Int64, unitPrice: Money) {
        self.description = description
        self.quantity = quantity
        self.unitPrice = unitPrice
    }

    /// nil when the product overflows, which order entry rejects before it gets here.
    public var total: Money? { unitPrice.times(quantity) }
}

/// The steps of one checkout, in the order a clerk meets them.
public enum CheckoutPhase: String, Sendable, CaseIterable {
    /// Lines are being keyed in; no URL yet.
    case assembling
    /// The signed CBUI URL exists; waiting for the clerk to paste the return URI.
    case awaitingReturn
    /// The return URI verified; a token is ready for Pay or Reserve.
    case authorized
    case paying
    case reserving
    /// The endpoint answered Pending; status is being polled.
    case pending
    /// The card hold is in place; Settle is available.
    case reserved
    case settling
    case succeeded
    case failed
}

/// The actions a clerk can take; the console lists them with `CheckoutState.availability`.
public enum CheckoutAction: String, Sendable, CaseIterable {
    case buildURL
    case pay
    case reserve
    case settle
    case newOrder
}

/// The live view of the transaction behind the order.
public struct TransactionView: Sendable, Equatable {
    public var transactionID: String
    public var status: TransactionStatus
    public var statusCode: String?
    public var lastUpdate: Date
    /// Attempt number of the current request, 1 for the first try.
    public var attempt: Int

    public init(transactionID: String, status: TransactionStatus, statusCode: String?, lastUpdate: Date, attempt: Int = 1) {
        self.transactionID = transactionID
        self.status = status
        self.statusCode = statusCode
        self.lastUpdate = lastUpdate
        self.attempt = attempt
    }
}

/// Everything the screen shows about the current checkout, published after every change.
public struct CheckoutState: Sendable {
    public var orderID: String
    public var phase: CheckoutPhase
    public var mode: ChargeMode
    public var lines: [OrderLine]
    /// The CBUI `callerReference` bound to this order; the return URI must carry it.
    public var callerReference: String
    public var cbuiURL: String?
    /// The sender token from the verified return URI, shown redacted by the screen.
    public var tokenID: String?
    public var transaction: TransactionView?
    /// The last refusal or failure in a plain sentence with the next step, or nil.
    public var notice: String?
    /// Whether the last notice reports a problem (true) or a success (false).
    public var noticeIsProblem: Bool
    /// A network step in progress, such as "Pay" or "Waiting for status", with its start time.
    public var busyStep: (name: String, since: Date)?
    /// Recent request and response lines, oldest first, secrets redacted.
    public var events: [FPSEvent]
    /// True when the endpoint is a sandbox, for the SANDBOX or LIVE badge.
    public var isSandbox: Bool

    public init(orderID: String, phase: CheckoutPhase, mode: ChargeMode, lines: [OrderLine], callerReference: String,
                cbuiURL: String? = nil, tokenID: String? = nil, transaction: TransactionView? = nil,
                notice: String? = nil, noticeIsProblem: Bool = false, busyStep: (name: String, since: Date)? = nil,
                events: [FPSEvent] = [], isSandbox: Bool) {
        self.orderID = orderID
        self.phase = phase
        self.mode = mode
        self.lines = lines
        self.callerReference = callerReference
        self.cbuiURL = cbuiURL
        self.tokenID = tokenID
        self.transaction = transaction
        self.notice = notice
        self.noticeIsProblem = noticeIsProblem
        self.busyStep = busyStep
        self.events = events
        self.isSandbox = isSandbox
    }

    /// The order total, or nil when there are no lines.
    public var total: Money? {
        guard let first = lines.first?.total else { return nil }
        return lines.dropFirst().reduce(Optional(first)) { sum, line in
            guard let sum, let lineTotal = line.total else { return nil }
            return sum.plus(lineTotal)
        }
    }

    /// Whether `action` is allowed now; when it is not, the reason a clerk reads on screen.
    public func availability(of action: CheckoutAction) -> (allowed: Bool, reason: String) {
        switch action {
        case .buildURL:
            switch phase {
            case .assembling:
                if lines.isEmpty { return (false, "Add at least one line first.") }
                return (true, "Sign the CBUI URL for the customer.")
            case .awaitingReturn, .authorized, .failed:
                if lines.isEmpty { return (false, "Add at least one line first.") }
                return (true, "Sign a new CBUI URL. A return URI for the previous URL is then rejected.")
            default:
                return (false, "This order already has a transaction. Start a new order for another payment.")
            }
        case .pay:
            if phase != .authorized { return (false, "Pay needs an authorized return URI first.") }
            if mode != .payNow { return (false, "This order was authorized for a reserve; use Reserve.") }
            return (true, "Charge the authorized amount now.")
        case .reserve:
            if phase != .authorized { return (false, "Reserve needs an authorized return URI first.") }
            if mode != .reserveThenSettle { return (false, "This order was authorized for Pay now; use Pay.") }
            return (true, "Hold the amount on the customer's card.")
        case .settle:
            if phase != .reserved { return (false, "Settle needs a reserved transaction.") }
            return (true, "Capture the reserved amount.")
        case .newOrder:
            switch phase {
            case .paying, .reserving, .settling:
                return (false, "Wait for the running transaction to reach a final status.")
            case .pending where busyStep != nil:
                return (false, "Wait for the running transaction to reach a final status.")
            case .pending:
                return (true, "Start a new order. This one stays pending in the ledger; open it later to check its status.")
            default:
                return (true, "Start a new order; this one stays in the ledger.")
            }
        }
    }
}

/// What the console asks the checkout to do. The checkout decides the order of steps.
public enum CheckoutIntent: Sendable {
    /// Adds a line from the clerk's typed text; a bad quantity or price is refused in `notice`.
    case addLine(description: String, quantity: String, unitPrice: String)
    case removeLine(index: Int)
    case setMode(ChargeMode)
    case buildURL
    case submitReturnURI(String)
    case pay
    case reserve
    /// Settles the reserve; nil settles the full amount.
    case settle(amount: String?)
    case newOrder
    /// Reopens an order from the ledger, for example a reserved order waiting for Settle.
    case open(orderID: String)
    /// Polls a Pending transaction again after the session stopped polling it.
    case refreshStatus
}

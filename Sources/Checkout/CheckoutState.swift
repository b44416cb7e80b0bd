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
    /// The endpoint returned Pending, so the status is being polled.
    case pending
    /// The card hold is in place; Settle is available.
    case reserved
    case settling
    /// Charged in full or in part; refunds, if any, are listed in `CheckoutState.refunds`.
    case succeeded
    case failed
    /// A Refund call is running. The order returns to `succeeded` when it ends.
    case refunding
    /// A Cancel call is running on a Reserved or Pending transaction.
    case cancelling
    /// The reserve or pending payment was cancelled; no money moved.
    case cancelled
}

/// The actions a clerk can take; the console lists them with `CheckoutState.availability`.
public enum CheckoutAction: String, Sendable, CaseIterable {
    case buildURL
    case pay
    case reserve
    case settle
    case refund
    case cancel
    case newOrder
}

/// The state of one refund of the order.
public enum RefundStatus: String, Sendable, CaseIterable {
    /// Journaled and maybe sent, with no response yet. Refund re-sends it with the same
    /// CallerReference, so the customer cannot be refunded twice.
    case requested
    /// The endpoint rejected the request; no refund transaction exists.
    case rejected
    case pending
    case succeeded
    case failed
}

/// One refund of the order, numbered from 1.
public struct RefundView: Sendable, Equatable {
    public var sequence: Int
    public var callerReference: String
    public var amount: Money
    /// The refund's own transaction id, once the endpoint returned one.
    public var transactionID: String?
    public var status: RefundStatus
    public var statusCode: String?
    public var lastUpdate: Date

    public init(sequence: Int, callerReference: String, amount: Money, transactionID: String?, status: RefundStatus,
                statusCode: String? = nil, lastUpdate: Date) {
        self.sequence = sequence
        self.callerReference = callerReference
        self.amount = amount
        self.transactionID = transactionID
        self.status = status
        self.statusCode = statusCode
        self.lastUpdate = lastUpdate
    }

    /// True when the refund may still move money, so its amount is no longer refundable.
    public var countsAgainstCharge: Bool { status != .rejected && status != .failed }
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
    /// The action behind `transaction`: `.pay`, `.reserve`, `.settle` or `.cancel`.
    public var transactionAction: CheckoutAction?
    /// The amount actually captured (Pay or Settle succeeded), or nil before that.
    public var charged: Money?
    /// The order's refunds, oldest first.
    public var refunds: [RefundView]
    /// True while the console is locked. The order stays as it is, and intents that change it
    /// or move money are rejected until `.unlock`.
    public var isLocked: Bool
    /// The clerk recorded in the audit trail, as configured or as given at the last unlock.
    public var clerk: String

    public init(orderID: String, phase: CheckoutPhase, mode: ChargeMode, lines: [OrderLine], callerReference: String,
                cbuiURL: String? = nil, tokenID: String? = nil, transaction: TransactionView? = nil,
                notice: String? = nil, noticeIsProblem: Bool = false, busyStep: (name: String, since: Date)? = nil,
                events: [FPSEvent] = [], isSandbox: Bool, transactionAction: CheckoutAction? = nil,
                charged: Money? = nil, refunds: [RefundView] = [], isLocked: Bool = false, clerk: String = "clerk") {
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
        self.transactionAction = transactionAction
        self.charged = charged
        self.refunds = refunds
        self.isLocked = isLocked
        self.clerk = clerk
    }

    /// The sum of the succeeded refunds, or nil when none succeeded.
    public var refunded: Money? {
        let done = refunds.filter { $0.status == .succeeded }
        guard let first = done.first else { return nil }
        return Money(minorUnits: done.reduce(0) { $0 + $1.amount.minorUnits }, currency: first.amount.currency)
    }

    /// What a new refund may still return: the charge minus every refund that is not rejected
    /// or failed. Nil before anything was charged.
    public var refundable: Money? {
        guard let charged else { return nil }
        let committed = refunds.filter(\.countsAgainstCharge).reduce(Int64(0)) { $0 + $1.amount.minorUnits }
        return Money(minorUnits: max(0, charged.minorUnits - committed), currency: charged.currency)
    }

    /// The refund whose outcome is unknown, which the next Refund re-sends.
    public var unresolvedRefund: RefundView? { refunds.last { $0.status == .requested } }

    /// The order total, or nil when there are no lines.
    public var total: Money? {
        guard let first = lines.first?.total else { return nil }
        return lines.dropFirst().reduce(Optional(first)) { sum, line in
            guard let sum, let lineTotal = line.total else { return nil }
            return sum.plus(lineTotal)
        }
    }

    /// True for an order with no lines and no signed URL, which a new order reuses.
    public var isEmptyOrder: Bool { phase == .assembling && lines.isEmpty && cbuiURL == nil }

    /// Whether `action` is allowed now; when it is not, the reason a clerk reads on screen.
    ///
    /// The console's actions pane shows the reason beside the action in 31 columns of a
    /// 100-column window, so each reason stays within 31 characters for amounts below
    /// USD 1000. The reasons are also the notices for a rejected intent.
    public func availability(of action: CheckoutAction) -> (allowed: Bool, reason: String) {
        if isLocked {
            return (false, "Unlock the console to continue.")
        }
        switch action {
        case .buildURL:
            switch phase {
            case .assembling:
                if lines.isEmpty { return (false, "Add at least one line first.") }
                return (true, "Sign the URL for the customer.")
            case .awaitingReturn, .authorized, .failed:
                if lines.isEmpty { return (false, "Add at least one line first.") }
                return (true, "Sign anew; the old URL is void.")
            default:
                return (false, "The order has a transaction.")
            }
        case .pay:
            if phase != .authorized { return (false, "Verify a return URI first.") }
            if mode != .payNow { return (false, "Mode is Reserve; use Reserve.") }
            return (true, "Charge the amount now.")
        case .reserve:
            if phase != .authorized { return (false, "Verify a return URI first.") }
            if mode != .reserveThenSettle { return (false, "Mode is Pay now; use Pay.") }
            return (true, "Hold the amount on the card.")
        case .settle:
            if phase != .reserved { return (false, "Only a reserve can be settled.") }
            return (true, "Capture the reserved amount.")
        case .refund:
            return refundAvailability()
        case .cancel:
            return cancelAvailability()
        case .newOrder:
            switch phase {
            case .paying, .reserving, .settling, .refunding, .cancelling:
                return (false, "Wait for the final status.")
            case .pending where busyStep != nil:
                return (false, "Wait for the final status.")
            case .pending:
                return (true, "Start anew; this stays pending.")
            default:
                return (true, isEmptyOrder ? "Start over in Pay now." : "Start a new one; this is kept.")
            }
        }
    }
}

extension CheckoutState {
    fileprivate func refundAvailability() -> (allowed: Bool, reason: String) {
        if phase == .refunding { return (false, "Wait for the refund to finish.") }
        guard phase == .succeeded, charged != nil, let refundable else {
            return (false, "No charge to refund.")
        }
        if let unresolved = unresolvedRefund {
            // The confirmation dialog says that the outcome is unknown and the reference is reused.
            return (true, "Resend refund \(unresolved.sequence) of \(unresolved.amount).")
        }
        if refundable.minorUnits == 0 {
            return (false, "Fully refunded or in progress.")
        }
        return (true, "Refund up to \(refundable).")
    }

    fileprivate func cancelAvailability() -> (allowed: Bool, reason: String) {
        switch phase {
        case .reserved:
            return (true, "Release the hold; no charge.")
        case .pending where transactionAction == .pay || transactionAction == .reserve:
            return (true, "Stop the pending transaction.")
        case .pending:
            return (false, "Wait for the Settle to finish.")
        case .cancelling:
            return (false, "The Cancel is already running.")
        case .succeeded:
            return (false, "Completed; refund it instead.")
        default:
            return (false, "Nothing reserved or pending.")
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
    /// Refunds part of the charge, such as "5.00", or with nil everything not yet refunded.
    /// While a refund's outcome is unknown, Refund re-sends that refund instead.
    case refund(amount: String?)
    /// Cancels the order's Reserved or Pending transaction.
    case cancel
    /// Locks the console: the order stays intact, and changes and money-moving intents are
    /// rejected until `.unlock`. The caller checks the clerk's PIN before sending `.unlock`.
    case lock
    case unlock(clerk: String)
}

/// The `status` codes a SingleUse CBUI pipeline returns, each with its plain meaning.
public enum CBUIStatus: String, Sendable, CaseIterable {
    case successBalance = "SA"
    case successBank = "SB"
    case successCard = "SC"
    case systemError = "SE"
    case abandoned = "A"
    case callerException = "CE"
    case paymentMethodMismatch = "PE"
    case notPermitted = "NP"
    case notMarketplaceCaller = "NM"

    /// True for SA, SB and SC: the customer authorized a token.
    public var isSuccess: Bool { self == .successBalance || self == .successBank || self == .successCard }

    /// A sentence a clerk can read to the customer, with the next step.
    public var meaning: String {
        switch self {
        case .successBalance: return "The customer authorized payment from the Amazon Payments balance."
        case .successBank: return "The customer authorized payment from a bank account."
        case .successCard: return "The customer authorized payment by credit card."
        case .systemError: return "The payment service had a system error. Build a new URL and ask the customer to try again later."
        case .abandoned: return "The customer left the payment page without authorizing. Build a new URL if they want to try again."
        case .callerException: return "The payment service rejected our request (bad parameters or signature). Check the console's credentials and build a new URL."
        case .paymentMethodMismatch: return "The customer has none of the requested payment methods. A reserve needs a credit card; offer Pay now or another card."
        case .notPermitted: return "The customer's account may not make this payment (for example an unverified e-mail). Ask them to resolve it with Amazon, or take another payment method."
        case .notMarketplaceCaller: return "This merchant account is not registered for marketplace payments. Contact the account owner."
        }
    }
}

/// The outcome of verifying a return URI's signature, kept as three distinct cases so that an
/// endpoint or parameter problem is never reported as an invalid signature.
public enum SignatureVerification: Sendable, Equatable {
    case verified
    /// The signature does not match the parameters: the URI was altered or not made by FPS.
    case notVerified(reason: String)
    /// Verification could not run (certificate unreachable, not allow-listed, unreadable).
    case couldNotVerify(code: String, message: String)
}

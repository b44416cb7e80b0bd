import FPSClient
import Foundation

/// Sentences the checkout shows a clerk after a refused or failed FPS call.
enum Notices {
    /// Explains an FPS error code in plain words with the next step, or nil for codes
    /// without a specific explanation.
    static func explanation(forCode code: String) -> String? {
        switch code {
        case "TokenUsageError", "SameTokenIdUsedMultipleTimes":
            return "this authorization was already used. Build a new URL."
        case "InvalidTokenId_Sender", "InvalidTokenId":
            return "the payment service does not accept this authorization (unknown, cancelled or expired). Build a new URL."
        case "TokenNotActive_Sender", "TokenNotActive":
            return "the customer's authorization is no longer active. Build a new URL."
        case "InsufficientBalance":
            return "the customer's account lacks the funds. Build a new URL and ask for another payment method."
        case "PaymentInstrumentNotCC":
            return "Reserve needs a credit card, and the customer chose another method. Build a new URL and ask for a card, or switch the order to Pay now."
        case "IncompatibleTokens":
            return "this authorization does not allow this action. Build a new URL in the order's current mode."
        case "AmountOutOfRange":
            return "the amount is outside the range FPS accepts (USD 0.01 to 10,000.00). Correct the lines and build a new URL."
        case "DuplicateRequest":
            return "the payment service already has a different request with this order's reference. Check the order's transactions before trying again."
        case "SettleAmountGreaterThanReserveAmount":
            return "the amount is more than was reserved. Type a smaller amount, or leave it empty to settle the full reserve."
        case "RefundAmountExceeded":
            return "the refund is more than the payment service still allows for this transaction. Check the order's refunds, then refund a smaller amount."
        case "TransactionFullyRefundedAlready":
            return "the transaction was already refunded in full. Check the order's refunds."
        case "TransactionTypeNotRefundable":
            return "this kind of transaction cannot be refunded."
        case "InvalidTransactionState":
            return "the transaction is not in a state that allows this action. Refresh its status."
        case "InvalidTransactionId":
            return "the payment service does not know this transaction. Check the transaction id in the ledger."
        case "SignatureDoesNotMatch", "InvalidClientTokenId", "AuthFailure", "InvalidSignature":
            return "the payment service rejected the console's credentials. Check the access key and secret key settings."
        case "RequestExpired":
            return "the request's timestamp was too old when it arrived. Check this computer's clock."
        case "InternalError", "ServiceUnavailable", "Throttling":
            return "the payment service is having trouble. Try again in a minute: the request is sent with the same reference, so nothing is charged twice."
        default:
            return nil
        }
    }

    /// Builds the notice for a call that ended without a transaction after `attempts` tries.
    static func callFailed(action: String, error: FPSError, attempts: Int) -> String {
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        let retryAdvice = action == "Settle"
            ? "Press Settle again: the console checks the reserve's status first, so it is never captured twice."
            : "Press \(action) again: it reuses the same CallerReference, so the customer cannot be charged twice."
        switch error {
        case .service(let code, let message, _, _):
            let reason = explanation(forCode: code) ?? "\(redactLongTokens(message)). The order is unchanged."
            return "\(action) was refused: \(code) — \(reason)"
        case .transport(let detail):
            return "\(action) got no response after \(tries): \(detail) \(retryAdvice)"
        case .malformedResponse(let status, let detail):
            return "\(action) got an unreadable response (HTTP \(status)) after \(tries): \(redactLongTokens(detail)) \(retryAdvice)"
        case .invalidRequest(let detail):
            return "\(action) was not sent: \(detail)"
        }
    }

    /// Replaces every run of 20 or more letters and digits, such as a token id or a
    /// signature inside an endpoint's message, with its redacted form.
    static func redactLongTokens(_ text: String) -> String {
        var output = ""
        var run = ""
        func flush() {
            output += run.count >= 20 ? Redaction.secret(run) : run
            run = ""
        }
        for character in text {
            if character.isASCII && (character.isLetter || character.isNumber) {
                run.append(character)
            } else {
                flush()
                output.append(character)
            }
        }
        flush()
        return output
    }

    /// Seconds with up to three decimals, for notices such as "every 1 s".
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return "\(Double(milliseconds) / 1000) s"
    }
}

import FPSClient
import Foundation

/// `pay`, `reserve`, `settle`, `cancel`, `refund` and `status`: one FPS API call each,
/// printed as a transaction result or an error.
enum TransactionCommands {
    static let all: [ScriptSubcommand] = [pay, reserve, settle, cancel, refund, status]

    private static let common = ScriptOptions.endpoint + ScriptOptions.api + ScriptOptions.output

    private static let transactionID = OptionSpec(name: "transaction-id", valueName: "ID", help: "TransactionId returned by an earlier call.")

    private static let resultDetails = """
    Prints action, transactionId, transactionStatus, statusCode, statusMessage, callerReference
    and requestId (- or null when the response has none). A failed call prints
    error {code, message, requestId, httpStatus, retryable} with --json, and the message on stderr.
    """

    // MARK: - Pay and Reserve

    private static func paymentOptions(_ verb: String) -> [OptionSpec] {
        [
            OptionSpec(name: "token", valueName: "ID", help: "Sender tokenId from verify-return."),
            OptionSpec(name: "amount", valueName: "DOLLARS", help: "Amount in USD to \(verb), at most the authorized amount, such as 12.50."),
            OptionSpec(name: "caller-reference", valueName: "REF", help: "Unique reference for this request, 1 to 128 characters; resending it with the same values returns the original result."),
        ] + common
    }

    static let pay = ScriptSubcommand(
        name: "pay", summary: "Charge an authorized token (FPS Pay).", options: paymentOptions("charge"),
        details: resultDetails + "\nSuccess exits 0; Pending exits 4.",
        run: { invocation throws(ArgumentError) in try await payment(invocation, action: "Pay") })

    static let reserve = ScriptSubcommand(
        name: "reserve", summary: "Hold an amount on a credit-card token for a later settle (FPS Reserve).",
        options: paymentOptions("hold"),
        details: resultDetails + "\nReserved exits 0; Pending exits 4. The token must come from cbui-url --reserve.",
        run: { invocation throws(ArgumentError) in try await payment(invocation, action: "Reserve") })

    private static func payment(_ invocation: ScriptInvocation, action: String) async throws(ArgumentError) -> ExitCode {
        let arguments = invocation.arguments
        let token = try ScriptOptions.required("token", in: arguments, hint: "give the tokenId that verify-return printed.")
        let amount = try requiredAmount(arguments)
        let callerReference = try ScriptOptions.required("caller-reference", in: arguments, hint: "give a unique reference for this \(action).")
        let client = try client(invocation)
        return await send(action, invocation) { () async throws(FPSError) in
            action == "Pay"
                ? try await client.pay(senderTokenID: token, amount: amount, callerReference: callerReference)
                : try await client.reserve(senderTokenID: token, amount: amount, callerReference: callerReference)
        }
    }

    // MARK: - Settle, Cancel, Refund, Status

    static let settle = ScriptSubcommand(
        name: "settle", summary: "Capture a reserved amount, fully or in part (FPS Settle).",
        options: [
            OptionSpec(name: "transaction-id", valueName: "ID", help: "TransactionId that reserve returned."),
            OptionSpec(name: "amount", valueName: "DOLLARS", help: "Amount in USD to capture (default: the whole reserve). A reserve settles only once."),
        ] + common,
        details: resultDetails + "\nSettle keeps the reserve's TransactionId. Success exits 0; Pending exits 4."
            + " Settle has no caller reference, so after exit 3 run status before sending it again.",
        run: { invocation throws(ArgumentError) in
            let transaction = try ScriptOptions.required("transaction-id", in: invocation.arguments, hint: "give the TransactionId that reserve returned.")
            let amount = try ScriptOptions.amount("amount", in: invocation.arguments)
            let client = try client(invocation)
            return await send("Settle", invocation) { () async throws(FPSError) in
                try await client.settle(reserveTransactionID: transaction, amount: amount)
            }
        })

    static let cancel = ScriptSubcommand(
        name: "cancel", summary: "Cancel a Reserved or Pending transaction (FPS Cancel).",
        options: [
            transactionID,
            OptionSpec(name: "description", valueName: "TEXT", help: "Reason for the cancellation, kept with the transaction."),
        ] + common,
        details: resultDetails + "\nHere Cancelled is the expected outcome, so it exits 0; Pending exits 4.",
        run: { invocation throws(ArgumentError) in
            let transaction = try ScriptOptions.required("transaction-id", in: invocation.arguments, hint: "give the TransactionId to cancel.")
            let description = invocation.arguments.value("description")
            let client = try client(invocation)
            return await send("Cancel", invocation, cancelledIsSuccess: true) { () async throws(FPSError) in
                try await client.cancel(transactionID: transaction, description: description)
            }
        })

    static let refund = ScriptSubcommand(
        name: "refund", summary: "Refund a successful transaction, fully or in part (FPS Refund).",
        options: [
            transactionID,
            OptionSpec(name: "caller-reference", valueName: "REF", help: "New unique reference for this refund; every partial refund needs its own."),
            OptionSpec(name: "amount", valueName: "DOLLARS", help: "Amount in USD to refund (default: everything not yet refunded)."),
            OptionSpec(name: "description", valueName: "TEXT", help: "CallerDescription of the refund, at most 160 characters."),
        ] + common,
        details: resultDetails + "\nThe refund is a new transaction with its own TransactionId. Success exits 0; Pending exits 4.",
        run: { invocation throws(ArgumentError) in
            let arguments = invocation.arguments
            let transaction = try ScriptOptions.required("transaction-id", in: arguments, hint: "give the TransactionId of the payment to refund.")
            let callerReference = try ScriptOptions.required("caller-reference", in: arguments, hint: "give a new unique reference for this refund.")
            let amount = try ScriptOptions.amount("amount", in: arguments)
            let description = arguments.value("description")
            if let description, description.count > 160 {
                throw ArgumentError(description: "--description is \(description.count) characters long: FPS allows at most 160.")
            }
            let client = try client(invocation)
            return await send("Refund", invocation) { () async throws(FPSError) in
                try await client.refund(transactionID: transaction, callerReference: callerReference, amount: amount, callerDescription: description)
            }
        })

    static let status = ScriptSubcommand(
        name: "status", summary: "Print a transaction's current status (FPS GetTransactionStatus).",
        options: [transactionID] + common,
        details: resultDetails + "\nSuccess and Reserved exit 0, Pending exits 4, Failure and Cancelled exit 5.",
        run: { invocation throws(ArgumentError) in
            let transaction = try ScriptOptions.required("transaction-id", in: invocation.arguments, hint: "give the TransactionId to look up.")
            let client = try client(invocation)
            return await send("GetTransactionStatus", invocation) { () async throws(FPSError) in
                try await client.getTransactionStatus(transactionID: transaction)
            }
        })

    // MARK: - Shared steps

    private static func requiredAmount(_ arguments: ParsedArguments) throws(ArgumentError) -> Money {
        guard let amount = try ScriptOptions.amount("amount", in: arguments) else {
            throw ArgumentError(description: "Missing --amount: give the amount in USD, such as 12.50.")
        }
        return amount
    }

    /// Resolves the endpoint only after the subcommand's own options were checked, so a bad
    /// value is reported even when no endpoint is configured.
    private static func client(_ invocation: ScriptInvocation) throws(ArgumentError) -> FPSAPIClient {
        let endpoint = try ScriptOptions.externalEndpoint(invocation.arguments, environment: invocation.environment)
        return try ScriptOptions.apiClient(invocation.arguments, endpoint: endpoint)
    }

    private static func send(_ action: String, _ invocation: ScriptInvocation, cancelledIsSuccess: Bool = false,
                             _ call: () async throws(FPSError) -> TransactionResult) async -> ExitCode {
        do {
            var result = try await call()
            // Pay, Reserve and Refund responses carry no CallerReference, so report the one sent.
            if result.callerReference == nil { result.callerReference = invocation.arguments.value("caller-reference") }
            return invocation.output.printTransaction(action: action, result, cancelledIsSuccess: cancelledIsSuccess)
        } catch {
            return invocation.output.printError(action: action, error)
        }
    }
}

import FPSClient
import Foundation

/// `fps-checkout cbui-url`: builds the signed CBUI SingleUse URL that sends a customer to
/// authorize one payment. It signs locally and sends nothing.
enum CBUIURLCommand {
    static let options: [OptionSpec] = [
        OptionSpec(name: "caller-reference", valueName: "REF", help: "Unique order reference, 1 to 128 characters; the return URI carries it back."),
        OptionSpec(name: "amount", valueName: "DOLLARS", help: "Amount in USD with at most two decimals, such as 12.50."),
        OptionSpec(name: "return-url", valueName: "URL", help: "Absolute http(s) URL the customer is sent back to after authorizing."),
        OptionSpec(name: "reason", valueName: "TEXT", help: "Payment reason shown to the customer (default: none)."),
        OptionSpec(name: "reserve", valueName: nil, help: "Authorize for Reserve and Settle, which needs a credit card, in place of Pay."),
        OptionSpec(name: "signature-method", valueName: "HmacSHA256|HmacSHA1", help: "Signature Version 2 method (default HmacSHA256)."),
    ] + ScriptOptions.endpoint + ScriptOptions.output

    static let subcommand = ScriptSubcommand(
        name: "cbui-url",
        summary: "Build the signed CBUI SingleUse URL for one payment. Nothing is sent.",
        options: options,
        details: """
        Prints the URL on stdout. With --json, prints {url, callerReference, amount, currencyCode,
        reserve, signatureMethod}. The CBUI address is FPS_CBUI_ENDPOINT, or the API endpoint
        followed by cobranded-ui/actions/start.
        """,
        run: run)

    static func run(_ invocation: ScriptInvocation) async throws(ArgumentError) -> ExitCode {
        let arguments = invocation.arguments
        let callerReference = try ScriptOptions.required("caller-reference", in: arguments, hint: "give a unique order reference of 1 to 128 characters.")
        guard callerReference.count <= 128 else {
            throw ArgumentError(description: "--caller-reference is \(callerReference.count) characters long: FPS allows at most 128.")
        }
        _ = try ScriptOptions.required("amount", in: arguments, hint: "give the amount in USD, such as 12.50.")
        guard let amount = try ScriptOptions.amount("amount", in: arguments) else {
            throw ArgumentError(description: "Missing --amount: give the amount in USD, such as 12.50.")
        }
        let returnURL = try ScriptOptions.required("return-url", in: arguments, hint: "give the absolute http(s) URL the customer returns to.")
        guard let parsedReturnURL = URL(string: returnURL), parsedReturnURL.host != nil,
              ["http", "https"].contains(parsedReturnURL.scheme?.lowercased() ?? "") else {
            throw ArgumentError(description: "--return-url \"\(returnURL)\" is invalid: give an absolute http(s) URL such as https://shop.example/return.")
        }
        let signatureMethod = try ScriptOptions.signatureMethod(arguments)
        let reserve = arguments.has("reserve")
        let endpoint = try ScriptOptions.externalEndpoint(arguments, environment: invocation.environment)

        let url = CBUIPipeline.singleUseURL(
            endpoint: endpoint.endpoints.cbui, credentials: endpoint.credentials, callerReference: callerReference,
            returnURL: returnURL, amount: amount, paymentReason: arguments.value("reason") ?? "",
            reserve: reserve, signatureMethod: signatureMethod)
        if arguments.has("trace") {
            FileHandle.standardError.write(Data("> (not sent) GET \(TraceRedaction.urlText(url))\n".utf8))
        }

        if invocation.output.json {
            invocation.output.print([
                ("url", url),
                ("callerReference", callerReference),
                ("amount", amount.decimalString),
                ("currencyCode", amount.currency),
                ("reserve", reserve),
                ("signatureMethod", signatureMethod.rawValue),
            ])
        } else {
            invocation.output.printLine(url)
        }
        return .success
    }
}

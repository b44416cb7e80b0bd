import FPSClient
import Foundation

/// Writes a subcommand's result to stdout, as aligned `name  value` lines or, with `--json`,
/// as one JSON object with sorted keys. Messages for people go to stderr in both modes.
///
/// Absent values are `null` in JSON and `-` in plain output, so every result of one kind
/// has the same keys.
struct ScriptOutput {
    let command: String
    let json: Bool

    /// One result field; a nil value is printed as absent.
    typealias Field = (name: String, value: Any?)

    func print(_ fields: [Field]) {
        if json {
            var object: [String: Any] = [:]
            for field in fields { object[field.name] = Self.jsonValue(field.value) }
            printLine(Self.jsonText(object))
        } else {
            let width = (fields.map(\.name.count).max() ?? 0) + 2
            let lines = fields.map { field in
                field.name.padding(toLength: width, withPad: " ", startingAt: 0) + Self.plainValue(field.value)
            }
            printLine(lines.joined(separator: "\n"))
        }
    }

    /// Prints a transaction result and returns its exit code, with a hint on stderr when the
    /// status is not final yet.
    func printTransaction(action: String, _ result: TransactionResult, cancelledIsSuccess: Bool = false) -> ExitCode {
        print([
            ("action", action),
            ("transactionId", result.transactionID),
            ("transactionStatus", result.status.rawValue),
            ("statusCode", result.statusCode),
            ("statusMessage", result.statusMessage),
            ("callerReference", result.callerReference),
            ("requestId", result.requestID),
        ])
        if result.status == .pending {
            message("Transaction \(result.transactionID) is Pending. Run `fps-checkout status --transaction-id \(result.transactionID)` later for its final status.")
        }
        return ExitCode.forStatus(result.status, cancelledIsSuccess: cancelledIsSuccess)
    }

    /// Prints a failed call: the error object on stdout with `--json`, the sentence on stderr always.
    func printError(action: String, _ error: FPSError) -> ExitCode {
        let exitCode = ExitCode.forError(error)
        if json {
            printLine(Self.jsonText(["action": action, "error": Self.errorObject(error)]))
        }
        var text = error.description
        if error.category == .clock || error.category == .credentials { text += " " + error.advice }
        // Only actions that may have moved money leave an outcome to check; the rest can simply be rerun.
        if exitCode == .retryable && ["Pay", "Reserve", "Settle", "Cancel", "Refund"].contains(action) {
            text += " The outcome is unknown: check with `fps-checkout status`, or resend with the same caller reference, before trying again."
        }
        message(text)
        return exitCode
    }

    /// Prints a usage or configuration error; with `--json` stdout gets an error object too.
    func printUsageError(_ text: String) -> ExitCode {
        if json {
            printLine(Self.jsonText(["error": Self.errorObject(code: "UsageError", message: text, retryable: false)]))
        }
        message(text)
        return .usage
    }

    /// Writes `fps-checkout COMMAND: text` to stderr.
    func message(_ text: String) {
        FileHandle.standardError.write(Data("fps-checkout \(command): \(text)\n".utf8))
    }

    /// Writes one line to stdout, unbuffered like the rest of the output.
    func printLine(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    // MARK: - Values

    /// Builds the `error` object of JSON output, with `requestId` and `httpStatus` null when unknown.
    static func errorObject(code: String, message: String, retryable: Bool, requestID: String? = nil, httpStatus: Int? = nil) -> [String: Any] {
        ["code": code, "message": message, "retryable": retryable,
         "requestId": jsonValue(requestID), "httpStatus": jsonValue(httpStatus)]
    }

    static func errorObject(_ error: FPSError) -> [String: Any] {
        var requestID: String?
        var httpStatus: Int?
        switch error {
        case .service(_, _, let id, let status):
            requestID = id
            httpStatus = status
        case .malformedResponse(let status, _):
            httpStatus = status
        case .transport, .invalidRequest:
            break
        }
        return errorObject(code: errorCode(error), message: errorMessage(error), retryable: error.isRetryable,
                           requestID: requestID, httpStatus: httpStatus)
    }

    /// `FPSError.code` for service errors; a fixed name for failures that have none.
    static func errorCode(_ error: FPSError) -> String {
        switch error {
        case .service(let code, _, _, _): return code
        case .transport: return "EndpointUnreachable"
        case .malformedResponse: return "MalformedResponse"
        case .invalidRequest: return "InvalidRequest"
        }
    }

    /// Returns the service's own message for service errors, and the whole sentence otherwise.
    static func errorMessage(_ error: FPSError) -> String {
        switch error {
        case .service(_, let message, _, _): return message
        case .transport(let detail): return detail
        case .malformedResponse(_, let detail): return detail
        case .invalidRequest(let detail): return detail
        }
    }

    private static func jsonValue(_ value: Any?) -> Any {
        guard let value else { return NSNull() }
        return value
    }

    private static func plainValue(_ value: Any?) -> String {
        switch jsonValue(value) {
        case is NSNull: return "-"
        case let text as String: return text
        case let flag as Bool: return flag ? "true" : "false"
        // An error object is shown by its code; its message goes to stderr.
        case let object as [String: Any]: return object["code"].map { "\($0)" } ?? "-"
        case let other: return "\(other)"
        }
    }

    static func jsonText(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            // Only strings, booleans, integers, nulls and nested objects are ever passed in.
            preconditionFailure("a result field is not representable in JSON")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

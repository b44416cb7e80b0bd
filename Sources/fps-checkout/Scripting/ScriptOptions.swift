import FPSClient
import Foundation

/// Options shared by the scripting subcommands, and the checks that turn them into values.
enum ScriptOptions {
    static let output: [OptionSpec] = [
        OptionSpec(name: "json", valueName: nil, help: "Print the result as one JSON object on stdout, keys sorted."),
        OptionSpec(name: "trace", valueName: nil, help: "Print each HTTP request and response to stderr; signatures and token ids are shortened, the secret key never appears."),
    ]

    static let endpoint: [OptionSpec] = [
        OptionSpec(name: "endpoint", valueName: "URL", help: "FPS API endpoint (default: env FPS_ENDPOINT)."),
        OptionSpec(name: "access-key-id", valueName: "ID", help: "Caller access key id (default: env FPS_ACCESS_KEY_ID)."),
        OptionSpec(name: "secret-key-file", valueName: "PATH", help: "File holding the secret key, mode 600 (default: env FPS_SECRET_KEY_FILE, else FPS_SECRET_KEY)."),
    ]

    static let api: [OptionSpec] = [
        OptionSpec(name: "http-method", valueName: "GET|POST", help: "HTTP method for the API call (default POST)."),
        OptionSpec(name: "signature-method", valueName: "HmacSHA256|HmacSHA1", help: "Signature Version 2 method (default HmacSHA256)."),
        OptionSpec(name: "api-version", valueName: "2010-08-28|2008-09-17", help: "FPS API version (default 2010-08-28)."),
        OptionSpec(name: "timeout", valueName: "SECONDS", help: "Time limit for each HTTP request, whole seconds from 1 to 300 (default 10)."),
    ]

    static let supportedAPIVersions = ["2010-08-28", "2008-09-17"]

    static let noEndpointMessage = """
    No FPS endpoint is configured. Set FPS_ENDPOINT, FPS_ACCESS_KEY_ID and FPS_SECRET_KEY_FILE \
    (or pass --endpoint, --access-key-id and --secret-key-file). For a local test endpoint, run \
    `fps-checkout sandbox` in another terminal and use the URL and demo credentials it prints.
    """

    /// Resolves the endpoint and credentials: each option overrides its environment variable.
    ///
    /// Never falls back to a sandbox or a built-in host, because these subcommands move money
    /// and must only talk to an endpoint someone chose.
    static func externalEndpoint(_ arguments: ParsedArguments, environment: [String: String]) throws(ArgumentError) -> Settings.ExternalEndpoint {
        var merged = environment
        if let endpoint = arguments.value("endpoint") {
            merged["FPS_ENDPOINT"] = endpoint
            // A CBUI URL set for another endpoint must not be paired with this one.
            merged["FPS_CBUI_ENDPOINT"] = nil
        }
        if let keyID = arguments.value("access-key-id") { merged["FPS_ACCESS_KEY_ID"] = keyID }
        if let keyFile = arguments.value("secret-key-file") { merged["FPS_SECRET_KEY_FILE"] = keyFile }

        guard let endpointText = merged["FPS_ENDPOINT"], !endpointText.isEmpty else {
            throw ArgumentError(description: noEndpointMessage)
        }
        // Checked here as well as in Settings, whose message points to the console's embedded sandbox.
        guard let url = URL(string: endpointText), url.host != nil, ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            let source = arguments.value("endpoint") == nil ? "FPS_ENDPOINT" : "--endpoint"
            throw ArgumentError(description: "\(source) \"\(endpointText)\" is not an http(s) URL: give one such as http://127.0.0.1:8080/.")
        }
        guard let keyID = merged["FPS_ACCESS_KEY_ID"], !keyID.isEmpty else {
            throw ArgumentError(description: "The endpoint \(endpointText) is set but no access key id: pass --access-key-id or set FPS_ACCESS_KEY_ID.")
        }
        guard let external = try Settings.externalEndpoint(environment: merged) else {
            throw ArgumentError(description: noEndpointMessage)
        }
        return external
    }

    /// Returns the value of a required option, or throws an error naming it and what to pass.
    static func required(_ name: String, in arguments: ParsedArguments, hint: String) throws(ArgumentError) -> String {
        guard let value = arguments.value(name), !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ArgumentError(description: "Missing --\(name): \(hint)")
        }
        return value
    }

    /// Parses a USD amount option with `Money.parse`, whose message names the value and the fix.
    static func amount(_ name: String, in arguments: ParsedArguments) throws(ArgumentError) -> Money? {
        guard let text = arguments.value(name) else { return nil }
        do {
            return try Money.parse(text)
        } catch {
            throw ArgumentError(description: "--\(name): \(error.description)")
        }
    }

    static func signatureMethod(_ arguments: ParsedArguments) throws(ArgumentError) -> SignatureMethod {
        guard let text = arguments.value("signature-method") else { return .hmacSHA256 }
        guard let method = SignatureMethod(rawValue: text) else {
            throw ArgumentError(description: "--signature-method \"\(text)\" is invalid: use HmacSHA256 or HmacSHA1.")
        }
        return method
    }

    static func httpMethod(_ arguments: ParsedArguments) throws(ArgumentError) -> HTTPMethodChoice {
        guard let text = arguments.value("http-method") else { return .post }
        guard let method = HTTPMethodChoice(rawValue: text.uppercased()) else {
            throw ArgumentError(description: "--http-method \"\(text)\" is invalid: use GET or POST.")
        }
        return method
    }

    static func apiVersion(_ arguments: ParsedArguments) throws(ArgumentError) -> String {
        guard let text = arguments.value("api-version") else { return supportedAPIVersions[0] }
        guard supportedAPIVersions.contains(text) else {
            throw ArgumentError(description: "--api-version \"\(text)\" is invalid: use \(supportedAPIVersions.joined(separator: " or ")).")
        }
        return text
    }

    static func timeoutSeconds(_ arguments: ParsedArguments) throws(ArgumentError) -> Int {
        guard let text = arguments.value("timeout") else { return 10 }
        guard let seconds = Int(text), (1...300).contains(seconds) else {
            throw ArgumentError(description: "--timeout \"\(text)\" is invalid: give whole seconds from 1 to 300.")
        }
        return seconds
    }

    /// Builds the HTTP transport, wrapped in the trace printer with `--trace`.
    static func transport(_ arguments: ParsedArguments, secretKey: String) throws(ArgumentError) -> any HTTPTransport {
        let base = URLSessionTransport(timeoutSeconds: try timeoutSeconds(arguments))
        return arguments.has("trace") ? TracingTransport(base: base, secretKey: secretKey) : base
    }

    /// Builds the API client from the endpoint and the `--http-method`, `--signature-method`,
    /// `--api-version` and `--trace` options.
    static func apiClient(_ arguments: ParsedArguments, endpoint: Settings.ExternalEndpoint) throws(ArgumentError) -> FPSAPIClient {
        FPSAPIClient(endpoint: endpoint.endpoints.api, credentials: endpoint.credentials,
                     transport: try transport(arguments, secretKey: endpoint.credentials.secretKey),
                     signatureMethod: try signatureMethod(arguments), httpMethod: try httpMethod(arguments),
                     version: try apiVersion(arguments))
    }
}

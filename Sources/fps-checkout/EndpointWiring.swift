import Checkout
import FPSClient
import Foundation
import Ledger
import Sandbox

/// The FPS endpoint a headless command talks to: the configured one, or the embedded
/// sandbox started on the configured sandbox data file, as the console does.
struct EndpointWiring {
    var endpoints: FPSEndpoints
    var credentials: FPSCredentials
    /// The embedded sandbox, when no endpoint is configured; stop it before exiting.
    var sandbox: SandboxServer?

    /// Options that select an external endpoint; each overrides its environment variable.
    static let options: [OptionSpec] = [
        OptionSpec(name: "endpoint", valueName: "URL", help: "FPS API endpoint (default: env FPS_ENDPOINT; without one, the embedded sandbox on the sandbox data file)."),
        OptionSpec(name: "access-key-id", valueName: "ID", help: "Caller access key id (default: env FPS_ACCESS_KEY_ID)."),
        OptionSpec(name: "secret-key-file", valueName: "PATH", help: "File holding the secret key, mode 600 (default: env FPS_SECRET_KEY_FILE, else FPS_SECRET_KEY)."),
    ]

    /// Returns `environment` with `--endpoint`, `--access-key-id` and `--secret-key-file` applied.
    static func environment(_ arguments: ParsedArguments, _ environment: [String: String]) -> [String: String] {
        var merged = environment
        if let endpoint = arguments.value("endpoint") {
            merged["FPS_ENDPOINT"] = endpoint
            // A CBUI URL set for another endpoint must not be paired with this one.
            merged["FPS_CBUI_ENDPOINT"] = nil
        }
        if let keyID = arguments.value("access-key-id") { merged["FPS_ACCESS_KEY_ID"] = keyID }
        if let keyFile = arguments.value("secret-key-file") { merged["FPS_SECRET_KEY_FILE"] = keyFile }
        return merged
    }

    /// Uses the configured endpoint, or starts the embedded sandbox on a free loopback port.
    static func connect(_ settings: Settings, log: @escaping @Sendable (String) -> Void) throws -> EndpointWiring {
        if let external = settings.external {
            return EndpointWiring(endpoints: external.endpoints, credentials: external.credentials, sandbox: nil)
        }
        try createParentDirectory(of: settings.sandboxDataPath)
        var configuration = SandboxConfiguration(dataPath: settings.sandboxDataPath)
        configuration.pendingSeconds = settings.pendingSeconds
        configuration.log = log
        let server = try SandboxServer(configuration: configuration)
        let port = try server.start()
        return EndpointWiring(endpoints: .localSandbox(port: Int(port)),
                              credentials: FPSCredentials(accessKeyID: SandboxServer.demoAccessKeyID, secretKey: SandboxServer.demoSecretKey),
                              sandbox: server)
    }
}

/// Writes one line to stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data("\(line)\n".utf8))
}

/// Parses a whole number option within `range`, or returns `fallback` when it is absent.
func integerOption(_ name: String, in arguments: ParsedArguments, range: ClosedRange<Int>, fallback: Int,
                   unit: String) throws(ArgumentError) -> Int {
    guard let text = arguments.value(name) else { return fallback }
    guard let value = Int(text), range.contains(value) else {
        throw ArgumentError(description: "--\(name) \"\(text)\" is invalid: give whole \(unit) from \(range.lowerBound) to \(range.upperBound).")
    }
    return value
}

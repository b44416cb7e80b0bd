import FPSClient
import Foundation

/// Where the console's files live and which FPS endpoint it talks to.
///
/// Each setting is read from its command-line option first, then its environment variable,
/// then the config file (`ConfigFile`), then the built-in default. With no `FPS_ENDPOINT`, the
/// console starts the embedded sandbox.
struct Settings {
    var ledgerPath: String
    var sandboxDataPath: String
    var desk: String
    var clerk: String
    var themeName: String?
    var noColor: Bool
    /// nil means: run the embedded sandbox.
    var external: ExternalEndpoint?
    var pendingSeconds: Double
    /// The log file; nil keeps logging off, the default.
    var logPath: String?
    /// Minutes without a key press before the console locks; 0 turns the lock off.
    var idleLockMinutes: Int

    struct ExternalEndpoint {
        var endpoints: FPSEndpoints
        var credentials: FPSCredentials
    }

    static let consoleOptions: [OptionSpec] = [
        OptionSpec(name: "ledger", valueName: "PATH", help: "Ledger SQLite file (env FPS_CHECKOUT_LEDGER; default $XDG_DATA_HOME/fps-checkout/ledger.sqlite)."),
        OptionSpec(name: "sandbox-data", valueName: "PATH", help: "Embedded sandbox SQLite file (env FPS_CHECKOUT_SANDBOX_DATA; default beside the ledger)."),
        OptionSpec(name: "desk", valueName: "NAME", help: "Desk name recorded with each order (env FPS_CHECKOUT_DESK; default desk-1)."),
        OptionSpec(name: "clerk", valueName: "ID", help: "Clerk id recorded in the audit trail (env FPS_CHECKOUT_CLERK; default $USER)."),
        OptionSpec(name: "theme", valueName: "NAME|PATH", help: "Colour theme from Themes/ or a .theme file (env FPS_CHECKOUT_THEME; default: default)."),
        OptionSpec(name: "log-file", valueName: "PATH", help: "Write a log with secrets redacted (env FPS_CHECKOUT_LOG; default: no log)."),
        OptionSpec(name: "idle-lock-minutes", valueName: "MINUTES", help: "Lock the console after this many idle minutes, 0 for never (env FPS_CHECKOUT_IDLE_LOCK_MINUTES; default 10)."),
        OptionSpec(name: "pending-seconds", valueName: "SECONDS", help: "Embedded sandbox only: how long transactions stay Pending before their final status (env FPS_CHECKOUT_PENDING_SECONDS; default 2)."),
    ]

    /// Reads the settings; throws with a message naming the bad value and the fix.
    static func load(_ arguments: ParsedArguments, environment: [String: String]) throws(ArgumentError) -> Settings {
        let dataDirectory = defaultDataDirectory(environment: environment)
        let ledger = arguments.value("ledger") ?? environment["FPS_CHECKOUT_LEDGER"] ?? "\(dataDirectory)/ledger.sqlite"
        let ledgerDirectory = (ledger as NSString).deletingLastPathComponent
        let sandboxData = arguments.value("sandbox-data") ?? environment["FPS_CHECKOUT_SANDBOX_DATA"]
            ?? "\(ledgerDirectory.isEmpty ? "." : ledgerDirectory)/sandbox.sqlite"
        let pendingText = arguments.value("pending-seconds") ?? environment["FPS_CHECKOUT_PENDING_SECONDS"] ?? "2"
        guard let pending = Double(pendingText), pending >= 0, pending <= 600 else {
            throw ArgumentError(description: "pending-seconds \"\(pendingText)\" is invalid: give a number of seconds from 0 to 600.")
        }
        let idleText = arguments.value("idle-lock-minutes") ?? environment["FPS_CHECKOUT_IDLE_LOCK_MINUTES"] ?? "10"
        guard let idleMinutes = Int(idleText), idleMinutes >= 0, idleMinutes <= 1440 else {
            throw ArgumentError(description: "idle-lock-minutes \"\(idleText)\" is invalid: give whole minutes from 0 (never) to 1440.")
        }
        let logPath = arguments.value("log-file") ?? environment["FPS_CHECKOUT_LOG"]
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        return Settings(
            ledgerPath: ledger, sandboxDataPath: sandboxData,
            desk: arguments.value("desk") ?? environment["FPS_CHECKOUT_DESK"] ?? "desk-1",
            clerk: arguments.value("clerk") ?? environment["FPS_CHECKOUT_CLERK"] ?? environment["USER"] ?? "clerk",
            themeName: arguments.value("theme") ?? environment["FPS_CHECKOUT_THEME"],
            noColor: noColor, external: try externalEndpoint(environment: environment), pendingSeconds: pending,
            logPath: logPath.flatMap { $0.isEmpty ? nil : $0 }, idleLockMinutes: idleMinutes)
    }

    /// `$XDG_DATA_HOME/fps-checkout`, or `~/.local/share/fps-checkout` per the XDG base directory spec.
    static func defaultDataDirectory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return "\(xdg)/fps-checkout" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return "\(home)/.local/share/fps-checkout"
    }

    /// Reads `FPS_ENDPOINT`, `FPS_CBUI_ENDPOINT`, `FPS_ACCESS_KEY_ID` and the secret key from
    /// `FPS_SECRET_KEY_FILE` (which must not be readable by group or others) or `FPS_SECRET_KEY`.
    static func externalEndpoint(environment: [String: String]) throws(ArgumentError) -> ExternalEndpoint? {
        guard let apiText = environment["FPS_ENDPOINT"], !apiText.isEmpty else { return nil }
        guard let api = URL(string: apiText), let host = api.host, ["http", "https"].contains(api.scheme ?? "") else {
            throw ArgumentError(description: "FPS_ENDPOINT \"\(apiText)\" is not an http(s) URL; set it like http://127.0.0.1:8080/ or unset it to use the embedded sandbox.")
        }
        let cbuiText = environment["FPS_CBUI_ENDPOINT"] ?? api.absoluteString.trimmingSuffix("/") + "/cobranded-ui/actions/start"
        guard let cbui = URL(string: cbuiText), cbui.host != nil else {
            throw ArgumentError(description: "FPS_CBUI_ENDPOINT \"\(cbuiText)\" is not a URL; set the CBUI start URL of the endpoint.")
        }
        guard let keyID = environment["FPS_ACCESS_KEY_ID"], !keyID.isEmpty else {
            throw ArgumentError(description: "FPS_ENDPOINT is set but FPS_ACCESS_KEY_ID is missing; set the access key id for \(apiText).")
        }
        let secret = try readSecret(environment: environment)
        let isLoopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host.hasPrefix("127.")
        var allowList = FPSEndpoints.amazonCertificatePrefixes
        if isLoopback, let port = api.port {
            allowList.append("\(api.scheme ?? "http")://\(host):\(port)/fps/certs/")
        }
        let endpoints = FPSEndpoints(api: api, cbui: cbui, certificateAllowList: allowList,
                                     isSandbox: isLoopback || host.contains("sandbox"))
        return ExternalEndpoint(endpoints: endpoints, credentials: FPSCredentials(accessKeyID: keyID, secretKey: secret))
    }

    private static func readSecret(environment: [String: String]) throws(ArgumentError) -> String {
        if let path = environment["FPS_SECRET_KEY_FILE"], !path.isEmpty {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let permissions = attributes[.posixPermissions] as? Int else {
                throw ArgumentError(description: "FPS_SECRET_KEY_FILE \"\(path)\" cannot be read; check the path.")
            }
            guard permissions & 0o077 == 0 else {
                throw ArgumentError(description: "FPS_SECRET_KEY_FILE \"\(path)\" is readable by other users (mode \(String(permissions, radix: 8))); run `chmod 600 \(path)`.")
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ArgumentError(description: "FPS_SECRET_KEY_FILE \"\(path)\" is not readable UTF-8 text.")
            }
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else { throw ArgumentError(description: "FPS_SECRET_KEY_FILE \"\(path)\" is empty.") }
            return secret
        }
        guard let secret = environment["FPS_SECRET_KEY"], !secret.isEmpty else {
            throw ArgumentError(description: "FPS_ENDPOINT is set but no secret key: set FPS_SECRET_KEY_FILE to a file of mode 600 holding it.")
        }
        return secret
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

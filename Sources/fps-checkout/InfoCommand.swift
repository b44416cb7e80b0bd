import FPSClient
import Foundation

/// `fps-checkout info`: where the config file, themes, log, ledger and sandbox data live, and
/// which endpoint the console would use. The secret key is never printed, only where it comes from.
enum InfoCommand {
    static func report(_ arguments: ParsedArguments, environment: [String: String], processEnvironment: [String: String]) throws(ArgumentError) -> String {
        let settings = try Settings.load(arguments, environment: environment)
        let configPath = ConfigFile.path(environment: processEnvironment)
        let configState = FileManager.default.fileExists(atPath: configPath) ? "found" : "not present; built-in defaults apply"
        let themeFolders = ConsoleCommand.themeDirectories().filter { FileManager.default.fileExists(atPath: $0) }

        var lines = [
            "Config file:    \(configPath) (\(configState))",
            "Ledger:         \(settings.ledgerPath)",
            "Log file:       \(settings.logPath ?? "off (set --log-file or FPS_CHECKOUT_LOG)")",
            "Theme:          \(settings.themeName ?? "default")\(settings.noColor ? " (NO_COLOR set: monochrome)" : "")",
            "Theme folders:  \(themeFolders.isEmpty ? "none found; the built-in themes apply" : themeFolders.joined(separator: ", "))",
            "Desk / clerk:   \(settings.desk) / \(settings.clerk)",
            "Idle lock:      \(settings.idleLockMinutes == 0 ? "off" : "after \(settings.idleLockMinutes) min")",
        ]
        if let external = settings.external {
            let secretSource = environment["FPS_SECRET_KEY_FILE"].map { "file \($0)" } ?? "environment variable FPS_SECRET_KEY"
            lines += [
                "Endpoint:       \(external.endpoints.api.absoluteString) (\(external.endpoints.isSandbox ? "SANDBOX" : "LIVE"))",
                "CBUI:           \(external.endpoints.cbui.absoluteString)",
                "Access key id:  \(external.credentials.accessKeyID)",
                "Secret key:     from \(secretSource) (never shown)",
            ]
        } else {
            lines += [
                "Endpoint:       embedded sandbox on a free 127.0.0.1 port (SANDBOX)",
                "Sandbox data:   \(settings.sandboxDataPath)",
            ]
        }
        return lines.joined(separator: "\n")
    }
}

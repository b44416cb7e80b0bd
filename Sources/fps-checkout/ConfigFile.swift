import Foundation

/// The optional configuration file: `key = value` lines, `#` comments, blank lines ignored.
///
/// Each key stands for one environment variable, so the search order is simple: a command-line
/// option wins, then the environment, then this file, then the built-in default. The secret
/// key itself is not accepted here, only the path of a file of mode 600 that contains it.
enum ConfigFile {
    /// File keys and the environment variables they stand for.
    static let keys: [(key: String, variable: String)] = [
        ("ledger", "FPS_CHECKOUT_LEDGER"),
        ("sandbox-data", "FPS_CHECKOUT_SANDBOX_DATA"),
        ("desk", "FPS_CHECKOUT_DESK"),
        ("clerk", "FPS_CHECKOUT_CLERK"),
        ("theme", "FPS_CHECKOUT_THEME"),
        ("log-file", "FPS_CHECKOUT_LOG"),
        ("idle-lock-minutes", "FPS_CHECKOUT_IDLE_LOCK_MINUTES"),
        ("pending-seconds", "FPS_CHECKOUT_PENDING_SECONDS"),
        ("endpoint", "FPS_ENDPOINT"),
        ("cbui-endpoint", "FPS_CBUI_ENDPOINT"),
        ("access-key-id", "FPS_ACCESS_KEY_ID"),
        ("secret-key-file", "FPS_SECRET_KEY_FILE"),
    ]

    /// `$FPS_CHECKOUT_CONFIG`, else `$XDG_CONFIG_HOME/fps-checkout/config`, else
    /// `~/.config/fps-checkout/config`.
    static func path(environment: [String: String]) -> String {
        if let explicit = environment["FPS_CHECKOUT_CONFIG"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return "\(xdg)/fps-checkout/config" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return "\(home)/.config/fps-checkout/config"
    }

    /// Returns the environment with the file's settings filled in where the environment has none.
    /// A missing file is fine. An unreadable file or a bad line throws an error reported as `path:line: message`.
    static func merged(into environment: [String: String]) throws(ArgumentError) -> [String: String] {
        let file = path(environment: environment)
        guard FileManager.default.fileExists(atPath: file) else { return environment }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ArgumentError(description: "\(file): cannot be read as UTF-8 text; fix its permissions or encoding, or move it away.")
        }
        let fromFile = try parse(text, path: file)
        return fromFile.merging(environment) { _, fromEnvironment in fromEnvironment }
    }

    /// Parses the file's text into environment variable names and values.
    static func parse(_ text: String, path: String) throws(ArgumentError) -> [String: String] {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let location = "\(path):\(index + 1)"
            guard let equals = line.firstIndex(of: "=") else {
                throw ArgumentError(description: "\(location): expected `key = value`, found \"\(line.prefix(60))\".")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            if key == "secret-key" {
                throw ArgumentError(description: "\(location): the secret key is not accepted in the config file; put it in a file of mode 600 and set secret-key-file to its path.")
            }
            guard let variable = keys.first(where: { $0.key == key })?.variable else {
                let known = keys.map(\.key).joined(separator: ", ")
                throw ArgumentError(description: "\(location): unknown key \"\(key)\"; known keys are \(known).")
            }
            guard values[variable] == nil else {
                throw ArgumentError(description: "\(location): \"\(key)\" is set twice; keep one line.")
            }
            values[variable] = value
        }
        return values
    }
}

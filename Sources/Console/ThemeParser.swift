/// Reads the `.theme` text format:
///
///     format = 1
///     name = default
///     focus = black,cyan,bold | black,cyan
///
/// Each role line is `foreground,background[,attribute+attribute]`, optionally followed by
/// `|` and a style for terminals with fewer than 16 colours. `#` starts a comment line.
enum ThemeParser {
    static let supportedFormat = "1"

    /// Parses `text`; a broken line is reported as `path:line: message` and skipped, and each
    /// role the text leaves out takes its style from `fallback`.
    static func parse(_ text: String, path: String, fallback: Theme?) -> (theme: Theme, problems: [String]) {
        var theme = Theme(name: fallback?.name ?? "unnamed", styles: [:])
        var problems: [String] = []
        var seen: Set<Role> = []

        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let report = { (message: String) in problems.append("\(path):\(offset + 1): \(message)") }

            guard let equals = line.firstIndex(of: "=") else {
                report("expected \"role = foreground,background[,attributes]\", found \"\(line)\"")
                continue
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)

            switch key {
            case "format":
                if value != supportedFormat { report("format \"\(value)\" is not supported; this version reads format \(supportedFormat)") }
            case "name":
                theme.name = value
            default:
                guard let role = Role(rawValue: key.replacingOccurrences(of: "_", with: "-")) else {
                    report("unknown role \"\(key)\"; known roles: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                if seen.contains(role) { report("role \"\(key)\" is set twice; the later line wins") }
                switch parseRoleStyle(value) {
                case .success(let style):
                    theme.styles[role] = style
                    seen.insert(role)
                case .failure(let error):
                    report("role \"\(key)\": \(error.message)")
                }
            }
        }

        for role in Role.allCases where theme.styles[role] == nil {
            theme.styles[role] = fallback?.styles[role] ?? RoleStyle(full: .plain, eightColor: nil)
        }
        return (theme, problems)
    }

    struct StyleError: Error {
        let message: String
    }

    static func parseRoleStyle(_ value: String) -> Result<RoleStyle, StyleError> {
        let parts = value.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return .failure(StyleError(message: "more than one \"|\"; write one fallback style at most")) }
        let full: ThemeStyle
        switch parseStyle(parts[0].trimmingCharacters(in: .whitespaces)) {
        case .success(let style): full = style
        case .failure(let error): return .failure(error)
        }
        guard parts.count == 2 else { return .success(RoleStyle(full: full, eightColor: nil)) }
        switch parseStyle(parts[1].trimmingCharacters(in: .whitespaces)) {
        case .success(let style): return .success(RoleStyle(full: full, eightColor: style))
        case .failure(let error): return .failure(StyleError(message: "8-colour fallback: \(error.message)"))
        }
    }

    static func parseStyle(_ text: String) -> Result<ThemeStyle, StyleError> {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count == 2 || fields.count == 3 else {
            return .failure(StyleError(message: "expected foreground,background[,attributes], found \"\(text)\""))
        }
        guard let foreground = ThemeColor(name: fields[0]) else {
            return .failure(StyleError(message: "unknown colour \"\(fields[0])\"; use default, a name such as red or brightred, or a number 0-255"))
        }
        guard let background = ThemeColor(name: fields[1]) else {
            return .failure(StyleError(message: "unknown colour \"\(fields[1])\"; use default, a name such as red or brightred, or a number 0-255"))
        }
        var attributes: Set<ThemeAttribute> = []
        if fields.count == 3 {
            for name in fields[2].split(separator: "+").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
                guard let attribute = ThemeAttribute(rawValue: name) else {
                    let known = ThemeAttribute.allCases.map(\.rawValue).joined(separator: ", ")
                    return .failure(StyleError(message: "unknown attribute \"\(name)\"; known attributes: \(known)"))
                }
                if attribute != .normal { attributes.insert(attribute) }
            }
        }
        return .success(ThemeStyle(foreground: foreground, background: background, attributes: attributes))
    }
}

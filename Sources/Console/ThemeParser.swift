/// Reads the `.theme` text format:
///
///     format = 2
///     name = default
///     focus = black,81,bold | black,cyan,bold | black,cyan
///
/// Each role line is a style `foreground,background[,attribute+attribute]` for 256 colours,
/// optionally followed by `|` and a style for 16 colours and `|` and one for 8 colours.
/// Format 1, the first version, has two columns: any colour count, then fewer than 16.
/// The `format` line must come before the roles. `#` starts a comment line.
enum ThemeParser {
    static let supportedFormats = ["1", "2"]

    /// Parses `text`; a broken line is reported as `path:line: message` and skipped, and each
    /// role the text leaves out takes its style from `fallback`.
    static func parse(_ text: String, path: String, fallback: Theme?) -> (theme: Theme, problems: [String]) {
        var theme = Theme(name: fallback?.name ?? "unnamed", styles: [:])
        var problems: [String] = []
        var seen: Set<Role> = []
        var format = "1"

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
                if supportedFormats.contains(value) {
                    format = value
                } else {
                    report("format \"\(value)\" is not supported; this version reads formats \(supportedFormats.joined(separator: " and "))")
                }
            case "name":
                theme.name = value
            default:
                guard let role = Role(rawValue: key.replacingOccurrences(of: "_", with: "-")) else {
                    report("unknown role \"\(key)\"; known roles: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                if seen.contains(role) { report("role \"\(key)\" is set twice; the later line wins") }
                switch parseRoleStyle(value, format: format) {
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

    /// Parses the columns of a role line: in format 2 up to three (256, 16 and 8 colours),
    /// in format 1 up to two (any colour count, then fewer than 16).
    static func parseRoleStyle(_ value: String, format: String = "2") -> Result<RoleStyle, StyleError> {
        let columnNames = format == "1" ? ["", "8-colour fallback"] : ["", "16-colour fallback", "8-colour fallback"]
        let parts = value.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count <= columnNames.count else {
            let expected = format == "1" ? "one \"|\" at most" : "two \"|\" at most (256 | 16 | 8 colours)"
            return .failure(StyleError(message: "too many columns; format \(format) allows \(expected)"))
        }
        var styles: [ThemeStyle] = []
        for (index, part) in parts.enumerated() {
            switch parseStyle(part.trimmingCharacters(in: .whitespaces)) {
            case .success(let style):
                styles.append(style)
            case .failure(let error):
                let name = columnNames[index]
                return .failure(name.isEmpty ? error : StyleError(message: "\(name): \(error.message)"))
            }
        }
        if format == "1" {
            return .success(RoleStyle(full: styles[0], eightColor: styles.count > 1 ? styles[1] : nil))
        }
        return .success(RoleStyle(full: styles[0], sixteen: styles.count > 1 ? styles[1] : nil,
                                  eightColor: styles.count > 2 ? styles[2] : nil))
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

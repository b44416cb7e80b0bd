/// The semantic roles screen code draws with; a theme maps each to colours and attributes.
/// No pane names a raw colour.
public enum Role: String, CaseIterable, Sendable {
    case text
    case dim
    case focus
    case border
    case title
    case badgeSandbox = "badge-sandbox"
    case badgeLive = "badge-live"
    case success
    case failure
    case pending
    case disabled
    case notice
    case hint
    case hintKey = "hint-key"
    case input
    /// The QR code: dark modules in the foreground on a light background.
    case qr
    /// The lock screen's banner.
    case locked
}

/// A terminal colour: the terminal's own (`default`, -1 in ncurses) or a palette index 0-255.
public enum ThemeColor: Equatable, Sendable {
    case terminalDefault
    case index(Int)

    static let names: [String: Int] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "gray": 8, "grey": 8, "brightblack": 8, "brightred": 9, "brightgreen": 10, "brightyellow": 11,
        "brightblue": 12, "brightmagenta": 13, "brightcyan": 14, "brightwhite": 15,
    ]

    /// Parses `default`, a colour name (`red`, `brightred`, `bright-red`), `colorN` or `N` with N in 0...255.
    init?(name: String) {
        let key = name.lowercased()
        if key == "default" {
            self = .terminalDefault
            return
        }
        // Hyphens and underscores are allowed inside names only, so "color-1" stays invalid.
        if let index = Self.names[key.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")] {
            self = .index(index)
            return
        }
        let digits = key.hasPrefix("color") ? String(key.dropFirst(5)) : key
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let index = Int(digits), (0...255).contains(index) else {
            return nil
        }
        self = .index(index)
    }
}

/// Text attributes a role may add to its colours.
public enum ThemeAttribute: String, CaseIterable, Sendable {
    case normal, bold, dim, reverse, underline
}

/// Foreground, background and attributes for one role.
public struct ThemeStyle: Equatable, Sendable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var attributes: Set<ThemeAttribute>

    public init(foreground: ThemeColor, background: ThemeColor, attributes: Set<ThemeAttribute> = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    static let plain = ThemeStyle(foreground: .terminalDefault, background: .terminalDefault)

    /// This style for a terminal with `colorCount` colours, following tmux's order of
    /// downgrades: a bright colour (8-15) becomes its dark twin plus bold, any higher index
    /// becomes the terminal default, and a foreground equal to the background becomes the
    /// default so text stays readable.
    func downgraded(toColorCount colorCount: Int) -> ThemeStyle {
        var result = self
        func fit(_ color: ThemeColor, isForeground: Bool) -> ThemeColor {
            guard case .index(let index) = color, index >= colorCount else { return color }
            if index < 16, index - 8 < colorCount {
                if isForeground { result.attributes.insert(.bold) }
                return .index(index - 8)
            }
            return .terminalDefault
        }
        result.foreground = fit(foreground, isForeground: true)
        result.background = fit(background, isForeground: false)
        if result.foreground == result.background, result.foreground != .terminalDefault {
            result.foreground = .terminalDefault
        }
        return result
    }
}

/// A role's style for 256 colours, plus optional ones for 16 and for 8 colours.
public struct RoleStyle: Equatable, Sendable {
    public var full: ThemeStyle
    public var sixteen: ThemeStyle?
    public var eightColor: ThemeStyle?

    public init(full: ThemeStyle, sixteen: ThemeStyle? = nil, eightColor: ThemeStyle? = nil) {
        self.full = full
        self.sixteen = sixteen
        self.eightColor = eightColor
    }

    /// Returns the style to use on a terminal with `colorCount` colours: the closest column
    /// the theme gives for that count, downgraded to fit.
    func style(forColorCount colorCount: Int) -> ThemeStyle {
        if colorCount >= 256 { return full.downgraded(toColorCount: colorCount) }
        if colorCount >= 16 { return (sixteen ?? full).downgraded(toColorCount: colorCount) }
        return (eightColor ?? sixteen ?? full).downgraded(toColorCount: colorCount)
    }
}

/// A named map from every role to its style.
public struct Theme: Equatable, Sendable {
    public var name: String
    public var styles: [Role: RoleStyle]

    public func style(for role: Role) -> RoleStyle {
        styles[role] ?? RoleStyle(full: .plain, eightColor: nil)
    }
}

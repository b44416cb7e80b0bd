import Foundation

/// The theme the console draws with, where it came from, and any problems met loading it.
struct ThemeSelection {
    var theme: Theme
    /// The file read, or "built-in default" / "built-in monochrome".
    var source: String
    /// Messages in the form `path:line: message`, or `path: message` for a whole file.
    var problems: [String]
}

/// Finds and loads `.theme` files. A theme name is looked up in the configured themes
/// directories, then `Themes/` next to the executable, `../share/fps-checkout/Themes` from the
/// executable, and `Themes/` in the current directory. The built-in copy comes last.
enum ThemeLoader {
    static func searchDirectories(configured: String?, executablePath: String?, currentDirectory: String) -> [String] {
        var directories: [String] = []
        if let configured, !configured.isEmpty { directories.append(configured) }
        if let executablePath {
            let binDirectory = (executablePath as NSString).deletingLastPathComponent
            directories.append((binDirectory as NSString).appendingPathComponent("Themes"))
            directories.append((binDirectory as NSString).appendingPathComponent("../share/fps-checkout/Themes"))
        }
        directories.append((currentDirectory as NSString).appendingPathComponent("Themes"))
        return directories
    }

    /// Picks the theme: monochrome when `monochrome` is true, otherwise the file at
    /// `themePath`, or `themeName` found in `directories`.
    static func select(themePath: String?, themeName: String, monochrome: Bool, directories: [String]) -> ThemeSelection {
        if monochrome {
            return load(named: "monochrome", builtIn: BuiltInThemes.monochrome, directories: directories)
        }
        if let themePath, !themePath.isEmpty {
            return load(path: themePath, fallback: BuiltInThemes.default)
        }
        let builtIn = BuiltInThemes.named(themeName) ?? BuiltInThemes.default
        var selection = load(named: themeName, builtIn: builtIn, directories: directories)
        if selection.source.hasPrefix("built-in"), BuiltInThemes.named(themeName) == nil {
            let searched = directories.joined(separator: ", ")
            selection.problems.append("theme \"\(themeName)\" not found in: \(searched); using the built-in default theme")
        }
        return selection
    }

    private static func load(named name: String, builtIn: Theme, directories: [String]) -> ThemeSelection {
        for directory in directories {
            let path = (directory as NSString).appendingPathComponent("\(name).theme")
            if FileManager.default.isReadableFile(atPath: path) {
                return load(path: path, fallback: builtIn)
            }
        }
        return ThemeSelection(theme: builtIn, source: "built-in \(builtIn.name)", problems: [])
    }

    /// Reads one theme file; roles it leaves out or breaks keep their `fallback` style.
    static func load(path: String, fallback: Theme) -> ThemeSelection {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            return ThemeSelection(theme: fallback, source: "built-in \(fallback.name)",
                                  problems: ["\(path): cannot read the theme (\(error.localizedDescription)); using the built-in \(fallback.name) theme"])
        }
        let parsed = ThemeParser.parse(text, path: path, fallback: fallback)
        return ThemeSelection(theme: parsed.theme, source: path, problems: parsed.problems)
    }
}

/// The themes the theme key steps through, starting after the one in use.
struct ThemeCycle {
    static let names = ["default", "light", "high-contrast", "monochrome"]

    enum Outcome {
        case switched(ThemeSelection)
        /// Colours are off, so the monochrome theme stays; the reason is for the clerk.
        case colorsOff(String)
    }

    let directories: [String]
    /// Why only the monochrome theme applies (NO_COLOR or a terminal without colours), or nil.
    let colorsOffReason: String?
    private(set) var currentName: String

    init(currentName: String, directories: [String], colorsOffReason: String?) {
        self.currentName = currentName
        self.directories = directories
        self.colorsOffReason = colorsOffReason
    }

    /// Loads the next theme in `names`; a theme from a file or path continues with the first.
    mutating func next() -> Outcome {
        if let colorsOffReason { return .colorsOff(colorsOffReason) }
        let index = Self.names.firstIndex(of: currentName).map { $0 + 1 } ?? 0
        currentName = Self.names[index % Self.names.count]
        return .switched(ThemeLoader.select(themePath: nil, themeName: currentName, monochrome: false, directories: directories))
    }
}

import Foundation
import Testing
@testable import Console

@Suite struct ThemeTests {
    static let themesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Themes").path

    @Test(arguments: [("default", BuiltInThemes.defaultText), ("monochrome", BuiltInThemes.monochromeText),
                      ("light", BuiltInThemes.lightText), ("high-contrast", BuiltInThemes.highContrastText)])
    func builtInMatchesFile(name: String, builtIn: String) throws {
        let file = try String(contentsOfFile: "\(Self.themesDirectory)/\(name).theme", encoding: .utf8)
        #expect(file.trimmingCharacters(in: .newlines) == builtIn.trimmingCharacters(in: .newlines))
    }

    @Test(arguments: ThemeCycle.names)
    func shippedThemeParsesCleanly(name: String) throws {
        let path = "\(Self.themesDirectory)/\(name).theme"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let parsed = ThemeParser.parse(text, path: path, fallback: nil)
        #expect(parsed.problems.isEmpty)
        #expect(parsed.theme.name == name)
        // Every role is set in the file itself: an empty fallback would leave gaps as .plain.
        #expect(parsed.theme.styles.count == Role.allCases.count)
    }

    @Test func defaultThemeValues() {
        let focus = BuiltInThemes.default.style(for: .focus)
        #expect(focus.full == ThemeStyle(foreground: .index(0), background: .index(81), attributes: [.bold]))
        #expect(focus.sixteen == ThemeStyle(foreground: .index(0), background: .index(6), attributes: [.bold]))
        let failure = BuiltInThemes.default.style(for: .failure)
        #expect(failure.full.foreground == .index(203))
        #expect(failure.sixteen?.foreground == .index(9))
        #expect(failure.eightColor?.foreground == .index(1))
    }

    @Test func columnChosenByColourCount() {
        let failure = BuiltInThemes.default.style(for: .failure)
        #expect(failure.style(forColorCount: 256).foreground == .index(203))
        #expect(failure.style(forColorCount: 88).foreground == .index(9))
        #expect(failure.style(forColorCount: 16).foreground == .index(9))
        #expect(failure.style(forColorCount: 8).foreground == .index(1))
    }

    @Test func missingColumnsAreDowngraded() throws {
        // One 256-colour column only: 16 colours keep bright red, 8 colours get red plus bold,
        // and the 256-palette background falls back to the terminal's own.
        let parsed = ThemeParser.parse("format = 2\nfailure = brightred,236\n", path: "z.theme", fallback: BuiltInThemes.default)
        #expect(parsed.problems.isEmpty)
        let failure = parsed.theme.style(for: .failure)
        #expect(failure.style(forColorCount: 16) == ThemeStyle(foreground: .index(9), background: .terminalDefault))
        #expect(failure.style(forColorCount: 8) == ThemeStyle(foreground: .index(1), background: .terminalDefault, attributes: [.bold]))
    }

    @Test func formatTwoRejectsFourColumns() {
        let parsed = ThemeParser.parse("format = 2\ntext = red,default | red,default | red,default | red,default\n",
                                       path: "w.theme", fallback: BuiltInThemes.default)
        #expect(parsed.problems == ["w.theme:2: role \"text\": too many columns; format 2 allows two \"|\" at most (256 | 16 | 8 colours)"])
    }

    @Test func formatOneKeepsTwoColumnMeaning() {
        let parsed = ThemeParser.parse("format = 1\nfailure = brightred,default | red,default,dim\n", path: "v.theme", fallback: nil)
        let failure = parsed.theme.style(for: .failure)
        #expect(failure.sixteen == nil)
        #expect(failure.style(forColorCount: 16).foreground == .index(9))
        #expect(failure.style(forColorCount: 8).attributes == [.dim])
    }

    @Test func brokenLinesReportPathAndLine() {
        let text = "format = 1\nfocus = black,cyan,blink\ntitel = red,default\nsuccess = green\nno equals here\nborder = red,default\n"
        let parsed = ThemeParser.parse(text, path: "x.theme", fallback: BuiltInThemes.default)
        #expect(parsed.problems.count == 4)
        #expect(parsed.problems[0].hasPrefix("x.theme:2: role \"focus\": unknown attribute \"blink\""))
        #expect(parsed.problems[1].hasPrefix("x.theme:3: unknown role \"titel\""))
        #expect(parsed.problems[2].hasPrefix("x.theme:4: role \"success\": expected foreground,background"))
        #expect(parsed.problems[3].hasPrefix("x.theme:5: expected \"role = foreground,background"))
        // Broken roles keep the fallback's style; the good line still applies.
        #expect(parsed.theme.style(for: .focus) == BuiltInThemes.default.style(for: .focus))
        #expect(parsed.theme.style(for: .border).full == ThemeStyle(foreground: .index(1), background: .terminalDefault))
    }

    @Test func unsupportedFormatIsReported() {
        let parsed = ThemeParser.parse("format = 3\n", path: "y.theme", fallback: BuiltInThemes.default)
        #expect(parsed.problems == ["y.theme:1: format \"3\" is not supported; this version reads formats 1 and 2"])
    }

    @Test(arguments: [("default", ThemeColor.terminalDefault), ("red", .index(1)), ("bright-red", .index(9)),
                      ("BrightWhite", .index(15)), ("grey", .index(8)), ("color208", .index(208)), ("42", .index(42))])
    func colourNames(name: String, color: ThemeColor) {
        #expect(ThemeColor(name: name) == color)
    }

    @Test(arguments: ["256", "color-1", "pink", ""])
    func invalidColourNames(name: String) {
        #expect(ThemeColor(name: name) == nil)
    }

    @Test func brightColourDowngradesToBoldOnEightColours() {
        let style = ThemeStyle(foreground: .index(9), background: .index(200))
        let downgraded = style.downgraded(toColorCount: 8)
        #expect(downgraded == ThemeStyle(foreground: .index(1), background: .terminalDefault, attributes: [.bold]))
    }

    @Test func eightColourFallbackWinsBelowSixteen() {
        let role = RoleStyle(full: ThemeStyle(foreground: .index(10), background: .terminalDefault),
                             eightColor: ThemeStyle(foreground: .index(2), background: .terminalDefault, attributes: [.dim]))
        #expect(role.style(forColorCount: 8).attributes == [.dim])
        #expect(role.style(forColorCount: 256).foreground == .index(10))
    }

    @Test func equalForegroundAndBackgroundStayReadable() {
        let style = ThemeStyle(foreground: .index(12), background: .index(4)).downgraded(toColorCount: 8)
        #expect(style.foreground == .terminalDefault)
    }

    @Test func noColorSelectsMonochrome() {
        let configuration = ConsoleConfiguration(themeName: "default", themesDirectories: [Self.themesDirectory])
        let selection = ConsoleApp.selectTheme(configuration: configuration, terminalHasColor: true, environment: ["NO_COLOR": "1"])
        #expect(selection.theme.name == "monochrome")
        #expect(selection.source.hasSuffix("Themes/monochrome.theme"))
    }

    @Test func emptyNoColorKeepsColours() {
        let configuration = ConsoleConfiguration(themesDirectories: [Self.themesDirectory])
        let selection = ConsoleApp.selectTheme(configuration: configuration, terminalHasColor: true, environment: ["NO_COLOR": ""])
        #expect(selection.theme.name == "default")
    }

    @Test func terminalWithoutColoursSelectsMonochrome() {
        let selection = ConsoleApp.selectTheme(configuration: ConsoleConfiguration(), terminalHasColor: false, environment: [:])
        #expect(selection.theme.name == "monochrome")
    }

    @Test func themeNameMayBeAPath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("console-test-\(UUID().uuidString).theme").path
        try "format = 1\nname = custom\ntext = red,default\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let selection = ConsoleApp.selectTheme(configuration: ConsoleConfiguration(themeName: path), terminalHasColor: true, environment: [:])
        #expect(selection.theme.name == "custom")
        #expect(selection.problems.isEmpty)
        #expect(selection.theme.style(for: .text).full.foreground == .index(1))
        #expect(selection.theme.style(for: .focus) == BuiltInThemes.default.style(for: .focus))
    }

    @Test func missingThemeFallsBackWithMessage() {
        let selection = ThemeLoader.select(themePath: nil, themeName: "nosuch", monochrome: false, directories: ["/nonexistent"])
        #expect(selection.theme == BuiltInThemes.default)
        #expect(selection.problems == ["theme \"nosuch\" not found in: /nonexistent; using the built-in default theme"])
    }

    @Test func unreadableFileFallsBack() {
        let selection = ThemeLoader.load(path: "/nonexistent/x.theme", fallback: BuiltInThemes.default)
        #expect(selection.theme == BuiltInThemes.default)
        #expect(selection.problems.count == 1)
        #expect(selection.problems[0].hasPrefix("/nonexistent/x.theme: cannot read the theme"))
    }
}

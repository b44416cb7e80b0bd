import Checkout
import Dispatch
import Foundation

/// The checkout console's entry point.
public enum ConsoleApp {
    /// Runs the console until the clerk quits or a signal ends it, and returns the exit code:
    /// 0 after Quit, 1 when the screen cannot start, 128 plus the signal number after SIGTERM
    /// or SIGHUP. The terminal is restored before it returns on every path.
    public static func run(session: any CheckoutDriving, configuration: ConsoleConfiguration) -> Int32 {
        ProcessHygiene.clearSignalMask()
        let isUTF8 = TextWidth.prepareLocale()
        guard let inbox = Inbox() else {
            ProcessHygiene.log("fps-checkout: cannot create the wake-up pipe: \(String(cString: strerror(errno)))")
            return 1
        }
        defer { inbox.close() }
        let signalSources = ProcessHygiene.trapSignals(into: inbox)
        defer { ProcessHygiene.releaseSignals(signalSources) }

        let terminal: Terminal
        do {
            terminal = try Terminal.start()
        } catch {
            ProcessHygiene.log("fps-checkout: \(error.description)")
            return 1
        }
        let savedStandardError = ProcessHygiene.redirectStandardError(to: configuration.stderrPath)
        defer { ProcessHygiene.restoreStandardError(savedStandardError) }
        defer { terminal.stop() }

        let selection = selectTheme(configuration: configuration, terminalHasColor: terminal.supportsColor)
        terminal.apply(selection.theme)
        for problem in selection.problems { ProcessHygiene.log("fps-checkout: theme: \(problem)") }
        let themes = ThemeCycle(currentName: selection.theme.name, directories: themeDirectories(configuration: configuration),
                                colorsOffReason: colorsOffReason(configuration: configuration, terminalHasColor: terminal.supportsColor))

        session.observe { state in inbox.post(.state(state)) }
        var loop = EventLoop(session: session, configuration: configuration, terminal: terminal, inbox: inbox,
                             glyphs: isUTF8 ? .unicode : .ascii, themes: themes)
        if let first = selection.problems.first {
            let more = selection.problems.count > 1 ? " (and \(selection.problems.count - 1) more in the log)" : ""
            loop.model.localNotice = LocalNotice(text: "Theme: \(first)\(more)", isProblem: true)
        }
        return loop.run()
    }

    /// Renders the key table as Markdown, for the README's key list.
    public static func keyTableMarkdown() -> String {
        KeyTable.keyTableMarkdown()
    }

    /// Monochrome when asked for, when NO_COLOR is set and not empty, or when the terminal has
    /// no colours; otherwise the configured theme.
    static func selectTheme(configuration: ConsoleConfiguration, terminalHasColor: Bool,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> ThemeSelection {
        let noColor = colorsOffReason(configuration: configuration, terminalHasColor: terminalHasColor, environment: environment) != nil
        var themePath = configuration.themePath
        var themeName = configuration.themeName ?? "default"
        if themePath == nil, themeName.contains("/") || themeName.hasSuffix(".theme") {
            themePath = themeName
            themeName = "default"
        }
        return ThemeLoader.select(themePath: themePath, themeName: themeName, monochrome: noColor,
                                  directories: themeDirectories(configuration: configuration))
    }

    /// Returns why colours are off (the option, a non-empty NO_COLOR, or a terminal without
    /// colours), or nil when themes may use colour.
    static func colorsOffReason(configuration: ConsoleConfiguration, terminalHasColor: Bool,
                                environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if configuration.noColor || !(environment["NO_COLOR"] ?? "").isEmpty {
            return "Colours are off because NO_COLOR is set, so the monochrome theme stays."
        }
        if !terminalHasColor {
            return "This terminal reports no colours, so the monochrome theme stays."
        }
        return nil
    }

    static func themeDirectories(configuration: ConsoleConfiguration) -> [String] {
        configuration.themesDirectories + ThemeLoader.searchDirectories(
            configured: nil, executablePath: Bundle.main.executablePath, currentDirectory: FileManager.default.currentDirectoryPath)
    }
}

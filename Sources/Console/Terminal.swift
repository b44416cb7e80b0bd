import CNcursesw
import Foundation

/// The reason the screen could not start, in words for the clerk's shell.
struct TerminalStartError: Error, CustomStringConvertible {
    let description: String
}

/// The ncurses screen: start-up, colours, painting a `Canvas`, reading keys, and restoring
/// the terminal. Used from the thread that called `ConsoleApp.run` only.
final class Terminal {
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private(set) var colorCount = 0
    /// ncurses attributes (colour pair included) for each role.
    private var attributes: [Role: attr_t] = [:]
    private var pairs: [Role: Int16] = [:]
    private var isStopped = false

    private static let bracketedPasteOn = "\u{1b}[?2004h"
    private static let bracketedPasteOff = "\u{1b}[?2004l"

    /// Opens the screen on standard input and output with `newterm`, which returns nil for
    /// an unknown TERM where `initscr` would exit the process.
    static func start() throws(TerminalStartError) -> Terminal {
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw TerminalStartError(description: "standard input and output must both be a terminal, not a pipe or file. Run fps-checkout in a terminal window.")
        }
        guard let term = ProcessInfo.processInfo.environment["TERM"], !term.isEmpty else {
            throw TerminalStartError(description: "TERM is not set, so the terminal type is unknown. Set it, for example: export TERM=xterm-256color")
        }
        fps_crash_restore_save_modes()
        guard let screen = newterm(nil, fps_stdout(), fps_stdin()) else {
            throw TerminalStartError(description: "The terminal type \"\(term)\" has no terminfo entry. Set TERM to a known type, for example: export TERM=xterm-256color")
        }
        set_term(screen)
        guard let window = fps_stdscr() else {
            endwin()
            delscreen(screen)
            throw TerminalStartError(description: "ncurses opened the terminal but created no screen window.")
        }
        return Terminal(screen: screen, window: window)
    }

    private init(screen: OpaquePointer, window: UnsafeMutablePointer<WINDOW>) {
        self.screen = screen
        self.window = window
        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        // 50 ms keeps Esc responsive while escape sequences still arrive whole on a busy link.
        set_escdelay(50)
        wtimeout(window, 0)
        define_key("\u{1b}[200~", PasteKeyCode.begin)
        define_key("\u{1b}[201~", PasteKeyCode.end)
        if has_colors() {
            start_color()
            use_default_colors()
            colorCount = Int(fps_colors())
        }
        refresh()
        Self.writeRaw(Self.bracketedPasteOn)
        installCrashRestore()
    }

    /// Gives the crash handler the bytes that leave the alternate screen, reset attributes,
    /// show the cursor and turn bracketed paste off, taken from this terminal's terminfo entry.
    private func installCrashRestore() {
        var reset = Self.bracketedPasteOff
        for capability in ["sgr0", "cnorm", "rmcup"] {
            if let value = fps_tigetstr(capability) { reset += String(cString: value) }
        }
        reset += "\r\n"
        fps_install_crash_restore(reset)
    }

    var supportsColor: Bool { colorCount > 0 }

    var size: (width: Int, height: Int) {
        (Int(fps_getmaxx(window)), Int(fps_getmaxy(window)))
    }

    /// Takes the window's new size after SIGWINCH. ncurses then queues KEY_RESIZE, and the
    /// next paint redraws every cell.
    func resizeToWindow() {
        var rows: Int32 = 0
        var columns: Int32 = 0
        guard fps_window_size(&rows, &columns) == 0 else { return }
        resizeterm(rows, columns)
        clearok(window, true)
    }

    /// Sets up one colour pair per role from `theme`, downgraded to the terminal's colours.
    func apply(_ theme: Theme) {
        for (index, role) in Role.allCases.enumerated() {
            let style = theme.style(for: role).style(forColorCount: max(colorCount, 8))
            var value: attr_t = 0
            for attribute in style.attributes {
                switch attribute {
                case .bold: value |= fps_a_bold()
                case .dim: value |= fps_a_dim()
                case .reverse: value |= fps_a_reverse()
                case .underline: value |= fps_a_underline()
                case .normal: break
                }
            }
            var pair: Int16 = 0
            if supportsColor, index + 1 < Int(fps_color_pairs()) {
                pair = Int16(index + 1)
                init_pair(pair, Self.colorNumber(style.foreground), Self.colorNumber(style.background))
            }
            attributes[role] = value
            pairs[role] = pair
        }
    }

    private static func colorNumber(_ color: ThemeColor) -> Int16 {
        switch color {
        case .terminalDefault: return -1
        case .index(let index): return Int16(index)
        }
    }

    /// Copies `canvas` to the screen; ncurses sends only the cells that changed.
    func paint(_ canvas: Canvas, clearFirst: Bool) {
        if clearFirst { clearok(window, true) }
        for y in 0..<canvas.height {
            for run in canvas.runs(row: y) {
                wattr_set(window, attributes[run.role] ?? 0, pairs[run.role] ?? 0, nil)
                wmove(window, Int32(y), Int32(run.x))
                // The bottom-right cell returns ERR because the cursor cannot advance past it,
                // but ncurses still draws the character.
                _ = waddstr(window, run.text)
            }
        }
        wattr_set(window, 0, 0, nil)
        if let cursor = canvas.cursor {
            curs_set(1)
            wmove(window, Int32(cursor.y), Int32(cursor.x))
        } else {
            curs_set(0)
        }
        wnoutrefresh(window)
        doupdate()
    }

    /// Reads every key already waiting, without blocking. `limit` bounds one batch, so a
    /// huge paste still lets the screen update between batches.
    func readKeys(limit: Int = 65_536) -> [Key] {
        var keys: [Key] = []
        var value: wint_t = 0
        while keys.count < limit {
            let status = wget_wch(window, &value)
            if status == ERR { break }
            if let key = Key.decode(status: status, value: UInt32(value)) { keys.append(key) }
        }
        return keys
    }

    /// Turns bracketed paste off and ends ncurses, leaving the terminal as it was found.
    /// Safe to call more than once.
    func stop() {
        guard !isStopped else { return }
        isStopped = true
        fps_remove_crash_restore()
        Self.writeRaw(Self.bracketedPasteOff)
        curs_set(1)
        endwin()
        delscreen(screen)
    }

    /// Sends `text` to the terminal's clipboard with OSC 52. Call it after `paint`, so the
    /// sequence never lands inside ncurses' half-written output.
    func copyToClipboard(_ text: String) {
        Self.writeRaw(Clipboard.osc52Sequence(for: text))
    }

    /// Writes a control sequence to standard output directly, after flushing ncurses' own output.
    private static func writeRaw(_ sequence: String) {
        fflush(fps_stdout())
        var bytes = Array(sequence.utf8)
        _ = write(1, &bytes, bytes.count)
    }
}

import CNcursesw

/// One decoded key press.
public enum Key: Hashable, Sendable {
    /// A printable character; in a text field it is typed.
    case character(Character)
    /// Ctrl plus a letter, stored in lower case: `.control("u")` is Ctrl-U.
    case control(Character)
    case function(Int)
    case enter, tab, backTab, escape, backspace, delete
    case up, down, left, right, home, end, pageUp, pageDown
    case resize
    /// The terminal's bracketed-paste markers, ESC[200~ and ESC[201~.
    case pasteBegin, pasteEnd

    /// Whether the key types text in a focused field, so it must not trigger an action there.
    var typesText: Bool {
        if case .character = self { return true }
        return false
    }

    /// The name shown in the hint bar, the help overlay and the README.
    var displayName: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let character): return String(character)
        case .control(let letter): return "Ctrl-\(letter.uppercased())"
        case .function(let number): return "F\(number)"
        case .enter: return "Enter"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .escape: return "Esc"
        case .backspace: return "Backspace"
        case .delete: return "Delete"
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .resize: return "Resize"
        case .pasteBegin: return "Paste start"
        case .pasteEnd: return "Paste end"
        }
    }
}

/// Key codes ncurses returns for the bracketed-paste markers registered with `define_key`.
enum PasteKeyCode {
    static let begin = KEY_MAX + 1
    static let end = KEY_MAX + 2
}

extension Key {
    /// Decodes a `wget_wch` result: `status` is `OK` for a character or `KEY_CODE_YES` for
    /// a key code. Returns nil for codes the console does not use.
    static func decode(status: Int32, value: UInt32) -> Key? {
        if status == KEY_CODE_YES {
            return decodeKeyCode(Int32(bitPattern: value))
        }
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(value) + 96)))
        case 0..<32: return nil
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }

    private static func decodeKeyCode(_ code: Int32) -> Key? {
        switch code {
        case KEY_F0 + 1...KEY_F0 + 12: return .function(Int(code - KEY_F0))
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_RESIZE: return .resize
        case PasteKeyCode.begin: return .pasteBegin
        case PasteKeyCode.end: return .pasteEnd
        default: return nil
        }
    }
}

import CNcursesw

/// Display widths of text in terminal columns, from `wcwidth`, so that CJK and emoji
/// descriptions take the two columns the terminal gives them.
///
/// `wcwidth` reads LC_CTYPE, so callers set a UTF-8 locale first (`prepareLocale`).
enum TextWidth {
    /// Sets LC_CTYPE from the environment, falling back to C.UTF-8 when the codeset is
    /// not UTF-8. Only LC_CTYPE changes, so number formatting elsewhere stays in the C locale.
    /// Returns whether the resulting codeset is UTF-8.
    @discardableResult
    static func prepareLocale() -> Bool {
        setlocale(LC_CTYPE, "")
        if isUTF8Codeset() { return true }
        setlocale(LC_CTYPE, "C.UTF-8")
        return isUTF8Codeset()
    }

    static func isUTF8Codeset() -> Bool {
        guard let codeset = fps_codeset() else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }

    /// Columns one extended grapheme cluster takes: the width of its first scalar, or 2
    /// when it requests emoji presentation (U+FE0F). Control characters take 0.
    static func width(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x20 || (0x7F..<0xA0).contains(first.value) { return 0 }
        if scalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        let columns = Int(fps_wcwidth(first.value))
        if columns < 0 { return 1 }
        return min(columns, 2)
    }

    static func width<S: StringProtocol>(of text: S) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    /// Replaces control characters (tabs, newlines, escapes) with spaces, because one
    /// reaching the terminal would move the cursor or start an escape sequence.
    static func sanitize<S: StringProtocol>(_ text: S) -> String {
        String(text.map { character -> Character in
            guard let first = character.unicodeScalars.first else { return " " }
            let value = first.value
            return value < 0x20 || (0x7F..<0xA0).contains(value) ? " " : character
        })
    }

    /// Cuts `text` to at most `columns`, ending with `…` when something was cut.
    static func truncate(_ text: String, to columns: Int) -> String {
        guard columns > 0 else { return "" }
        if width(of: text) <= columns { return text }
        var result = ""
        var used = 0
        for character in text {
            let characterWidth = width(of: character)
            if used + characterWidth > columns - 1 { break }
            result.append(character)
            used += characterWidth
        }
        return result + "…"
    }

    /// Returns the maximal suffix of `text` that fits in `columns`.
    static func tail(_ text: String, columns: Int) -> String {
        var result: [Character] = []
        var used = 0
        for character in text.reversed() {
            let characterWidth = width(of: character)
            if used + characterWidth > columns { break }
            result.append(character)
            used += characterWidth
        }
        return String(result.reversed())
    }

    /// Pads with spaces on the right to exactly `columns`, truncating first when longer.
    static func pad(_ text: String, to columns: Int) -> String {
        let cut = truncate(text, to: columns)
        return cut + String(repeating: " ", count: max(0, columns - width(of: cut)))
    }

    /// Splits `text` into rows of at most `columns`, breaking between any two characters.
    /// URLs have no spaces to break at, and every character of a URL must stay visible.
    static func wrapCharacters(_ text: String, columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var rows: [String] = []
        var row = ""
        var used = 0
        for character in text {
            let characterWidth = width(of: character)
            if used + characterWidth > columns, !row.isEmpty {
                rows.append(row)
                row = ""
                used = 0
            }
            row.append(character)
            used += characterWidth
        }
        if !row.isEmpty { rows.append(row) }
        return rows
    }

    /// Splits `text` at spaces into rows of at most `columns`; a word longer than a row is
    /// broken between characters.
    static func wrapWords(_ text: String, columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var rows: [String] = []
        var row = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let candidate = row.isEmpty ? String(word) : row + " " + word
            if width(of: candidate) <= columns {
                row = candidate
                continue
            }
            if !row.isEmpty { rows.append(row) }
            if width(of: word) <= columns {
                row = String(word)
            } else {
                var pieces = wrapCharacters(String(word), columns: columns)
                row = pieces.removeLast()
                rows.append(contentsOf: pieces)
            }
        }
        if !row.isEmpty { rows.append(row) }
        return rows
    }
}

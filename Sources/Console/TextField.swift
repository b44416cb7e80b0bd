/// A one-line text input: characters and a cursor position, with no terminal code.
struct TextField: Equatable {
    private(set) var characters: [Character] = []
    /// Index in `characters` where the next typed character goes.
    private(set) var cursor = 0

    init(_ text: String = "") {
        characters = Array(text)
        cursor = characters.count
    }

    var text: String { String(characters) }
    var isEmpty: Bool { characters.isEmpty }

    mutating func insert(_ text: String) {
        let inserted = Array(text)
        characters.insert(contentsOf: inserted, at: cursor)
        cursor += inserted.count
    }

    mutating func deleteBackward() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    mutating func moveLeft() { cursor = max(0, cursor - 1) }
    mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    mutating func moveToStart() { cursor = 0 }
    mutating func moveToEnd() { cursor = characters.count }

    mutating func clear() {
        characters = []
        cursor = 0
    }

    /// Applies an editing key; returns false when the key does not edit text.
    mutating func edit(with key: Key) -> Bool {
        switch key {
        case .character(let character): insert(String(character))
        case .backspace: deleteBackward()
        case .delete: deleteForward()
        case .left: moveLeft()
        case .right: moveRight()
        case .home: moveToStart()
        case .end: moveToEnd()
        default: return false
        }
        return true
    }

    /// Returns the visible part for a field `columns` wide and the cursor's column in it. Text that
    /// does not fit scrolls so the cursor stays visible, and `…` marks a hidden start.
    func visible(columns: Int) -> (text: String, cursorColumn: Int) {
        guard columns > 1 else { return ("", 0) }
        let widths = characters.map(TextWidth.width(of:))
        if widths.reduce(0, +) < columns {
            return (text, widths[..<cursor].reduce(0, +))
        }

        // Walk back from the cursor until the field is full, leaving one column for `…`
        // and one for the cursor itself when it sits at the end.
        let room = columns - 1 - (cursor == characters.count ? 1 : 0)
        var start = cursor
        var used = 0
        while start > 0, used + widths[start - 1] <= room {
            start -= 1
            used += widths[start]
        }
        var end = cursor
        var total = used
        while end < characters.count, total + widths[end] <= columns - 1 {
            total += widths[end]
            end += 1
        }
        let prefix = start > 0 ? "…" : ""
        let shown = prefix + String(characters[start..<end])
        return (shown, (start > 0 ? 1 : 0) + used)
    }
}

/// A run of text drawn in one theme role.
struct Span: Equatable {
    var text: String
    var role: Role

    init(_ text: String, _ role: Role = .text) {
        self.text = text
        self.role = role
    }
}

/// One screen row as styled spans; panes return these so their text can be tested without a terminal.
typealias StyledLine = [Span]

extension Array where Element == Span {
    /// The row's characters without styling.
    var plainText: String { map(\.text).joined() }
}

/// A position on the screen, in columns and rows from the top-left corner.
struct Point: Equatable {
    var x: Int
    var y: Int
}

/// A rectangle of screen cells.
public struct Rect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    static let empty = Rect(x: 0, y: 0, width: 0, height: 0)

    var maxY: Int { y + height }
}

/// The whole screen as a grid of cells, composed in memory and then painted with ncurses.
///
/// A wide character fills its cell and marks the next one as a continuation (`nil`), so
/// every row always adds up to the screen width.
struct Canvas {
    struct Cell: Equatable {
        var character: Character?
        var role: Role
    }

    let width: Int
    let height: Int
    private(set) var cells: [Cell]
    /// The terminal cursor position in the focused text field, or nil to hide the cursor.
    var cursor: Point?

    init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(character: " ", role: .text), count: self.width * self.height)
    }

    /// Fills `rect` with spaces in `role`.
    mutating func fill(_ rect: Rect, role: Role) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.x + rect.width) {
                cells[y * width + x] = Cell(character: " ", role: role)
            }
        }
    }

    /// Writes `text` from (x, y) and clips it at `limit` columns or the screen edge.
    /// Returns the number of columns written.
    @discardableResult
    mutating func put(_ text: String, x: Int, y: Int, role: Role, limit: Int? = nil) -> Int {
        guard y >= 0, y < height, x >= 0, x < width else { return 0 }
        let end = min(width, x + (limit ?? width))
        var column = x
        for character in TextWidth.sanitize(text) {
            let characterWidth = TextWidth.width(of: character)
            if characterWidth == 0 { continue }
            if column + characterWidth > end {
                // A wide character that would cross the edge leaves a blank instead of half a glyph.
                if column < end { cells[y * width + column] = Cell(character: " ", role: role) }
                column = end
                break
            }
            clearBrokenWideCharacter(at: column, y: y)
            cells[y * width + column] = Cell(character: character, role: role)
            if characterWidth == 2 {
                clearBrokenWideCharacter(at: column + 1, y: y)
                cells[y * width + column + 1] = Cell(character: nil, role: role)
            }
            column += characterWidth
        }
        return column - x
    }

    /// Writes styled spans from (x, y) within `limit` columns. Returns the columns written.
    @discardableResult
    mutating func put(_ line: StyledLine, x: Int, y: Int, limit: Int) -> Int {
        var column = x
        for span in line where column < x + limit {
            column += put(span.text, x: column, y: y, role: span.role, limit: x + limit - column)
        }
        return column - x
    }

    /// Keeps the grid consistent when a write lands on one half of a wide character.
    private mutating func clearBrokenWideCharacter(at x: Int, y: Int) {
        let index = y * width + x
        if cells[index].character == nil, x > 0 {
            cells[index - 1].character = " "
        }
        if x + 1 < width, cells[index + 1].character == nil, cells[index].character != nil,
           TextWidth.width(of: cells[index].character!) == 2 {
            cells[index + 1].character = " "
        }
    }

    func cell(x: Int, y: Int) -> Cell { cells[y * width + x] }

    /// Returns the text of row `y`, with continuation cells skipped.
    func rowText(_ y: Int) -> String {
        var text = ""
        for x in 0..<width {
            if let character = cells[y * width + x].character { text.append(character) }
        }
        return text
    }

    /// All rows joined by newlines, trailing spaces removed; the form screen tests compare.
    var text: String {
        (0..<height).map { y in
            var row = rowText(y)
            while row.last == " " { row.removeLast() }
            return row
        }.joined(separator: "\n")
    }

    /// Splits row `y` into runs of equal role, each with its starting column, for painting.
    func runs(row y: Int) -> [(x: Int, text: String, role: Role)] {
        var runs: [(x: Int, text: String, role: Role)] = []
        for x in 0..<width {
            let cell = cells[y * width + x]
            guard let character = cell.character else { continue }
            if let last = runs.last, last.role == cell.role {
                runs[runs.count - 1].text.append(character)
            } else {
                runs.append((x: x, text: String(character), role: cell.role))
            }
        }
        return runs
    }
}

import Foundation

/// The inputs every pane needs besides the model: the clock, the time zone for printed
/// times, and the glyph set.
struct RenderContext {
    var now: Date
    var timeZone: TimeZone
    var glyphs: Glyphs

    init(now: Date = Date(), timeZone: TimeZone = .current, glyphs: Glyphs = .unicode) {
        self.now = now
        self.timeZone = timeZone
        self.glyphs = glyphs
    }

    /// `HH:mm:ss` of `date` in the context's time zone.
    func clockTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let number = value ?? 0
            return number < 10 ? "0\(number)" : "\(number)"
        }
        return "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))"
    }

    /// Seconds since `start` with one decimal, such as `2.4 s`.
    func elapsed(since start: Date) -> String {
        let tenths = max(0, Int((now.timeIntervalSince(start) * 10).rounded(.down)))
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// Returns the spinner frame for `start`, advancing ten frames a second.
    func spinnerFrame(since start: Date) -> String {
        let tenths = max(0, Int((now.timeIntervalSince(start) * 10).rounded(.down)))
        return String(glyphs.spinner[tenths % glyphs.spinner.count])
    }
}

/// A titled region of the screen. Panes return styled text and draw nothing themselves,
/// so their output is tested as plain strings.
protocol Pane {
    /// Returns the left part of the title row, or nil for a pane without a title row.
    static func title(model: ConsoleModel, context: RenderContext) -> String?
    /// Returns the right part of the title row, such as the order total.
    static func titleDetail(model: ConsoleModel, context: RenderContext) -> String?
    /// Returns whether focus is inside the pane, which highlights its title.
    static func hasFocus(model: ConsoleModel) -> Bool
    /// Builds the content rows below the title, at most `height` of them, each fitting `width`.
    static func lines(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> [StyledLine]
    /// Returns the cursor position within the content rows, when a text field of this pane has focus.
    static func cursor(model: ConsoleModel, width: Int, height: Int) -> Point?
}

extension Pane {
    static func titleDetail(model: ConsoleModel, context: RenderContext) -> String? { nil }
    static func hasFocus(model: ConsoleModel) -> Bool { false }
    static func cursor(model: ConsoleModel, width: Int, height: Int) -> Point? { nil }
}

/// Draws one text field: the visible text padded to `columns` in the input role, or a dim
/// placeholder when the field is empty.
enum FieldView {
    static func spans(_ field: TextField, columns: Int, placeholder: String = "") -> (line: StyledLine, cursorColumn: Int) {
        if field.isEmpty, !placeholder.isEmpty {
            return ([Span(TextWidth.pad(placeholder, to: columns), .dim)], 0)
        }
        let visible = field.visible(columns: columns)
        return ([Span(TextWidth.pad(visible.text, to: columns), .input)], visible.cursorColumn)
    }
}

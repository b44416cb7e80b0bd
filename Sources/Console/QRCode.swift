import CQRencode

/// A QR code symbol from libqrencode at error-correction level L, drawn with half-block
/// characters: each text row contains two module rows, with a quiet zone of two modules.
struct QRSymbol: Equatable {
    static let quietZone = 2

    /// Modules per side, without the quiet zone.
    let size: Int
    /// Row-major, true for a dark module.
    let modules: [Bool]

    /// Encodes `text` as bytes with the smallest version that fits it, or returns nil when it is
    /// too long for any QR version (about 2,950 bytes at level L).
    static func encode(_ text: String) -> QRSymbol? {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        // Bit 0 of each byte is the module colour; the other bits describe its role.
        let data = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        return QRSymbol(size: width, modules: data.map { $0 & 1 == 1 })
    }

    /// Columns the drawing takes, quiet zone included.
    var drawnWidth: Int { size + 2 * Self.quietZone }
    /// Text rows the drawing takes: two module rows per text row, rounded up.
    var drawnHeight: Int { (drawnWidth + 1) / 2 }

    /// Returns whether the module at (x, y) of the drawing is dark. The quiet zone and
    /// anything outside the symbol are light.
    func isDark(x: Int, y: Int) -> Bool {
        let column = x - Self.quietZone
        let row = y - Self.quietZone
        guard column >= 0, column < size, row >= 0, row < size else { return false }
        return modules[row * size + column]
    }

    /// Returns the drawing as text rows, for a theme role that puts dark modules in the foreground.
    func halfBlockRows() -> [String] {
        (0..<drawnHeight).map { textRow in
            String((0..<drawnWidth).map { x -> Character in
                switch (isDark(x: x, y: 2 * textRow), isDark(x: x, y: 2 * textRow + 1)) {
                case (true, true): return "█"
                case (true, false): return "▀"
                case (false, true): return "▄"
                case (false, false): return " "
                }
            })
        }
    }
}

/// The QR view: the CBUI URL as a QR code filling the screen under the header, or the
/// window size it needs when the screen is too small.
enum QRView {
    /// Rows besides the symbol: the header, a caption and the hint bar. When the window is
    /// short, the header and hint bar give way and only the caption stays.
    static let chromeRows = 3
    static let compactChromeRows = 1

    /// Returns the smallest window, in columns and rows, that shows `symbol` whole.
    static func requiredSize(for symbol: QRSymbol) -> (width: Int, height: Int) {
        (max(symbol.drawnWidth, Layout.minimumWidth), symbol.drawnHeight + compactChromeRows)
    }

    static func draw(into canvas: inout Canvas, model: ConsoleModel, context: RenderContext) {
        canvas.fill(Rect(x: 0, y: 0, width: canvas.width, height: canvas.height), role: .text)
        canvas.cursor = nil
        let header = HeaderPane.row(candidates: [[Span(HeaderPane.productName, .title), Span("  \(context.glyphs.vertical)  ", .border),
                                                  Span("QR code for order \(model.state.orderID)")]],
                                    model: model, width: canvas.width)
        canvas.put(header, x: 0, y: 0, limit: canvas.width)
        drawHints(into: &canvas)

        guard let url = model.state.cbuiURL else {
            centre(["There is no URL to show: build it first with F2."], role: .failure, canvas: &canvas)
            return
        }
        guard context.glyphs.isUnicode else {
            centre(["The QR code needs a UTF-8 terminal for its block characters.",
                    "Set LANG to a UTF-8 locale, such as C.UTF-8, or copy the URL with F12."], role: .failure, canvas: &canvas)
            return
        }
        guard let symbol = QRSymbol.encode(url) else {
            centre(["The URL is too long for a QR code; copy it with F12 instead."], role: .failure, canvas: &canvas)
            return
        }
        let needed = requiredSize(for: symbol)
        guard canvas.width >= needed.width, canvas.height >= needed.height else {
            centre(tooSmallMessage(symbol: symbol, width: canvas.width, height: canvas.height), role: .failure, canvas: &canvas)
            return
        }

        let isCompact = canvas.height < symbol.drawnHeight + chromeRows
        if isCompact { canvas.fill(Rect(x: 0, y: 0, width: canvas.width, height: canvas.height), role: .text) }
        let left = (canvas.width - symbol.drawnWidth) / 2
        let top = isCompact ? 0 : 1 + (canvas.height - symbol.drawnHeight - chromeRows) / 2
        for (index, row) in symbol.halfBlockRows().enumerated() {
            canvas.put(row, x: left, y: top + index, role: .qr)
        }
        let caption = "Scan to pay \(model.state.total?.description ?? "") for order \(model.state.orderID); Esc closes, F12 copies."
        let text = TextWidth.truncate(caption, to: canvas.width)
        canvas.put(text, x: max(0, (canvas.width - TextWidth.width(of: text)) / 2), y: top + symbol.drawnHeight, role: .dim)
    }

    /// Says how large the window must be, from the symbol's size.
    static func tooSmallMessage(symbol: QRSymbol, width: Int, height: Int) -> [String] {
        let needed = requiredSize(for: symbol)
        return [
            "The QR code needs a window of at least \(needed.width)x\(needed.height); this one is \(width)x\(height).",
            "The URL encodes as a \(symbol.size)x\(symbol.size) symbol; with the quiet zone it takes \(symbol.drawnWidth) columns and \(symbol.drawnHeight) rows.",
            "Enlarge the window, or copy the URL with F12.",
        ]
    }

    private static func centre(_ lines: [String], role: Role, canvas: inout Canvas) {
        let rows = lines.flatMap { TextWidth.wrapWords($0, columns: max(1, canvas.width - 2)) }
        let top = max(1, (canvas.height - rows.count) / 2)
        for (index, row) in rows.enumerated() where top + index < canvas.height - 1 {
            canvas.put(row, x: max(0, (canvas.width - TextWidth.width(of: row)) / 2), y: top + index, role: index == 0 ? role : .text)
        }
    }

    private static func drawHints(into canvas: inout Canvas) {
        guard canvas.height > 1 else { return }
        let hint: StyledLine = [Span(" Esc ", .hintKey), Span("Close ", .hint), Span(" F12 ", .hintKey), Span("Copy URL ", .hint)]
        let fill = Span(String(repeating: " ", count: max(0, canvas.width - TextWidth.width(of: hint.plainText))), .hint)
        canvas.put(hint + [fill], x: 0, y: canvas.height - 1, limit: canvas.width)
    }
}

/// Builds the whole screen in a `Canvas` from the model, with no terminal involved, so
/// screens are tested as text at fixed sizes.
enum ScreenComposer {
    static func compose(model: ConsoleModel, width: Int, height: Int, context: RenderContext) -> Canvas {
        var canvas = Canvas(width: width, height: height)
        guard width >= Layout.minimumWidth, height >= Layout.minimumHeight else {
            drawTooSmall(into: &canvas, model: model)
            return canvas
        }
        if model.isLocked {
            LockScreen.draw(into: &canvas, model: model, context: context)
            return canvas
        }
        if model.overlay == .qrCode {
            QRView.draw(into: &canvas, model: model, context: context)
            return canvas
        }
        if model.screen == .orders {
            OrdersScreen.draw(into: &canvas, model: model, context: context)
            drawOverlay(into: &canvas, model: model, context: context)
            return canvas
        }
        let urlWidth = model.state.cbuiURL.map { TextWidth.width(of: $0) } ?? 0
        let noticeWidth = StatusLine.text(model: model, context: context).map { TextWidth.width(of: $0) } ?? 0
        guard let layout = Layout.compute(width: width, height: height, urlWidth: urlWidth, noticeWidth: noticeWidth) else {
            drawTooSmall(into: &canvas, model: model)
            return canvas
        }

        draw(HeaderPane.self, in: layout.header, model: model, context: context, canvas: &canvas)
        draw(OrderPane.self, in: layout.order, model: model, context: context, canvas: &canvas)
        draw(ActionsPane.self, in: layout.actions, model: model, context: context, canvas: &canvas)
        draw(TransactionPane.self, in: layout.transaction, model: model, context: context, canvas: &canvas)
        draw(EventLogPane.self, in: layout.events, model: model, context: context, canvas: &canvas)
        for y in layout.separator.y..<layout.separator.maxY {
            canvas.put(String(context.glyphs.vertical), x: layout.separator.x, y: y, role: .border)
        }
        draw(URLPane.self, in: layout.url, model: model, context: context, canvas: &canvas)
        draw(ReturnURIPane.self, in: layout.returnURI, model: model, context: context, canvas: &canvas)
        draw(StatusLine.self, in: layout.status, model: model, context: context, canvas: &canvas)
        draw(HintBar.self, in: layout.hints, model: model, context: context, canvas: &canvas)

        drawOverlay(into: &canvas, model: model, context: context)
        return canvas
    }

    private static func drawOverlay(into canvas: inout Canvas, model: ConsoleModel, context: RenderContext) {
        guard let overlay = model.overlay else { return }
        canvas.cursor = nil
        if case .help(let scroll) = overlay {
            HelpOverlay.draw(into: &canvas, model: model, scroll: scroll, context: context)
        } else if let content = DialogOverlay.content(for: overlay, model: model) {
            canvas.cursor = DialogOverlay.draw(into: &canvas, content: content, context: context)
        }
    }

    /// Draws a pane's title row (when it has one) and content rows inside `rect`, and places
    /// the cursor if the pane's text field has focus.
    private static func draw<P: Pane>(_ pane: P.Type, in rect: Rect, model: ConsoleModel, context: RenderContext, canvas: inout Canvas) {
        guard rect.height > 0, rect.width > 0 else { return }
        var contentTop = rect.y
        if let title = P.title(model: model, context: context) {
            drawTitle(title, detail: P.titleDetail(model: model, context: context), focused: P.hasFocus(model: model),
                      y: rect.y, x: rect.x, width: rect.width, glyphs: context.glyphs, canvas: &canvas)
            contentTop += 1
        }
        let height = rect.maxY - contentTop
        let lines = P.lines(model: model, width: rect.width, height: height, context: context)
        for (index, line) in lines.prefix(height).enumerated() {
            canvas.put(line, x: rect.x, y: contentTop + index, limit: rect.width)
        }
        if let cursor = P.cursor(model: model, width: rect.width, height: height) {
            canvas.cursor = Point(x: rect.x + min(cursor.x, rect.width - 1), y: contentTop + cursor.y)
        }
    }

    /// `─ Title ──────────── detail ─`, with the title in the focus role when the pane has focus.
    private static func drawTitle(_ title: String, detail: String?, focused: Bool, y: Int, x: Int, width: Int,
                                  glyphs: Glyphs, canvas: inout Canvas) {
        let rule = String(glyphs.horizontal)
        canvas.put(String(repeating: rule, count: width), x: x, y: y, role: .border)
        let titleText = TextWidth.truncate(" \(title) ", to: max(0, width - 2))
        canvas.put(titleText, x: x + 1, y: y, role: focused ? .focus : .title)
        guard let detail else { return }
        let detailText = " \(detail) "
        let detailWidth = TextWidth.width(of: detailText)
        let detailX = x + width - 1 - detailWidth
        if detailX > x + 1 + TextWidth.width(of: titleText) {
            canvas.put(detailText, x: detailX, y: y, role: .title)
        }
    }

    /// Draws the screen shown below 80x24: the size now and the size needed. The order stays
    /// untouched, and a locked console shows no order id.
    private static func drawTooSmall(into canvas: inout Canvas, model: ConsoleModel) {
        var rows = [
            "Terminal too small: \(canvas.width)x\(canvas.height).",
            "fps-checkout needs at least \(Layout.minimumWidth)x\(Layout.minimumHeight).",
            "Resize the window, or press F10 to quit.",
        ]
        if model.isLocked {
            rows[2] = "[LOCKED] Resize the window, then press Enter to unlock."
        } else if model.overlay == .confirmQuit {
            rows.append("Quit with order \(model.state.orderID) open? (y/N)")
        } else if model.overlay?.movesMoney == true {
            rows.append("A confirmation is open. Enlarge the window to see the amount, or press Esc.")
        } else if model.overlay != nil {
            rows.append("A dialog is open; it returns when the window is large enough.")
        }
        let top = max(0, (canvas.height - rows.count) / 2)
        for (index, row) in rows.enumerated() {
            let text = TextWidth.truncate(row, to: canvas.width)
            let x = max(0, (canvas.width - TextWidth.width(of: text)) / 2)
            canvas.put(text, x: x, y: top + index, role: index == 0 ? .failure : .text)
        }
    }
}

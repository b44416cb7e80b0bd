import Checkout

/// The orders list: a filter row, the search, a page of orders with state in words and a
/// symbol, amount and age, a status row, and the hint bar.
enum OrdersScreen {
    /// Rows above the list (header, filter and search row, column titles) and below it
    /// (status row, hint bar).
    static let rowsAbove = 3
    static let rowsBelow = 2

    static let stateColumns = 15
    static let orderColumns = 8
    static let amountColumns = 13
    static let ageColumns = 7
    static let deskColumns = 9

    /// Returns how many orders fit on a screen `height` rows tall.
    static func visibleRows(height: Int) -> Int {
        max(1, height - rowsAbove - rowsBelow)
    }

    static func draw(into canvas: inout Canvas, model: ConsoleModel, context: RenderContext) {
        let width = canvas.width
        let list = model.orders
        let header = HeaderPane.row(candidates: [[Span(HeaderPane.productName, .title), Span("  \(context.glyphs.vertical)  ", .border),
                                                  Span("Orders")], [Span("Orders")]],
                                    model: model, width: width)
        canvas.put(header, x: 0, y: 0, limit: width)
        canvas.put(filterRow(list: list), x: 0, y: 1, limit: width)
        canvas.cursor = nil
        if list.isEditingSearch {
            let search = searchSpans(list: list, width: width)
            canvas.put(search.line, x: search.x, y: 1, limit: width - search.x)
            canvas.cursor = Point(x: min(width - 1, search.cursorX), y: 1)
        } else if !list.search.isEmpty {
            let search = searchSpans(list: list, width: width)
            canvas.put(search.line, x: search.x, y: 1, limit: width - search.x)
        }
        canvas.put(TextWidth.pad(columnTitles(width: width), to: width), x: 0, y: 2, role: .title)

        let rowCount = visibleRows(height: canvas.height)
        let top = (list.selected / rowCount) * rowCount
        if list.rows.isEmpty {
            let text = list.isLoading ? "Loading orders…" : emptyText(list: list)
            canvas.put(TextWidth.truncate(text, to: width - 2), x: 2, y: rowsAbove, role: .dim)
        }
        for (offset, order) in list.rows.dropFirst(top).prefix(rowCount).enumerated() {
            let index = top + offset
            canvas.put(row(order, selected: index == list.selected, width: width, context: context),
                       x: 0, y: rowsAbove + offset, limit: width)
        }

        let statusY = canvas.height - 2
        canvas.put(statusLine(model: model, top: top, rowCount: rowCount, width: width, context: context), x: 0, y: statusY, limit: width)
        canvas.put(HintBar.ordersLine(model: model, width: width), x: 0, y: canvas.height - 1, limit: width)
    }

    /// `Filter  [all]  reserved  pending ...`: the active filter in brackets as well as in
    /// the focus role, so it never depends on colour.
    static func filterRow(list: OrdersList) -> StyledLine {
        var line: StyledLine = [Span("Filter ", .dim)]
        for filter in OrdersFilter.allCases {
            if filter == list.filter {
                line.append(Span("[\(filter.label)]", .focus))
            } else {
                line.append(Span(" \(filter.label) "))
            }
        }
        return line
    }

    /// The search field at the right end of the filter row.
    private static func searchSpans(list: OrdersList, width: Int) -> (line: StyledLine, x: Int, cursorX: Int) {
        let label = "Search /"
        let columns = max(8, min(30, width / 3))
        let x = max(0, width - TextWidth.width(of: label) - columns)
        let view = FieldView.spans(list.search, columns: columns)
        let labelSpan = Span(label, list.isEditingSearch ? .focus : .title)
        return ([labelSpan] + view.line, x, x + TextWidth.width(of: label) + view.cursorColumn)
    }

    static func columnTitles(width: Int) -> String {
        "  " + TextWidth.pad("State", to: stateColumns) + " "
            + TextWidth.pad("Order", to: orderColumns) + " "
            + String(repeating: " ", count: amountColumns - 6) + "Amount" + " "
            + TextWidth.pad(" Age", to: ageColumns) + " "
            + TextWidth.pad("Desk", to: deskColumns) + " "
            + "First line"
    }

    /// One order: marker, state symbol and word, id, amount right-aligned, age, desk, first line.
    static func row(_ order: OrderSummary, selected: Bool, width: Int, context: RenderContext) -> StyledLine {
        let marker = selected ? context.glyphs.selected + " " : "  "
        let state = TextWidth.pad("\(Words.phaseSymbol(order.phase, glyphs: context.glyphs)) \(Words.listPhase(order.phase))", to: stateColumns)
        let amountText = order.total?.description ?? "—"
        let amount = String(repeating: " ", count: max(0, amountColumns - TextWidth.width(of: amountText))) + amountText
        let age = TextWidth.pad(" " + Age.text(from: order.created, to: context.now), to: ageColumns)
        let rest = TextWidth.pad(TextWidth.pad(TextWidth.sanitize(order.orderID), to: orderColumns) + " " + amount + " " + age + " "
                                 + TextWidth.pad(TextWidth.sanitize(order.desk), to: deskColumns) + " "
                                 + TextWidth.sanitize(order.firstLineDescription ?? ""),
                                 to: max(0, width - TextWidth.width(of: marker) - stateColumns - 1))
        if selected {
            return [Span(marker, .focus), Span(state, .focus), Span(" ", .focus), Span(rest, .focus)]
        }
        return [Span(marker), Span(state, Words.phaseRole(order.phase)), Span(" "), Span(rest)]
    }

    private static func emptyText(list: OrdersList) -> String {
        if !list.search.isEmpty { return "No \(list.filter == .all ? "" : list.filter.label + " ")orders match \"\(list.search.text)\"." }
        if list.filter != .all { return "No \(list.filter.label) orders. Press f for the next filter." }
        return "No orders in the ledger yet."
    }

    /// The row above the hint bar: the console's notice, or which rows are shown.
    private static func statusLine(model: ConsoleModel, top: Int, rowCount: Int, width: Int, context: RenderContext) -> StyledLine {
        if let notice = model.localNotice {
            let symbol = notice.isProblem ? context.glyphs.failure : context.glyphs.success
            return [Span(TextWidth.truncate("\(symbol) \(notice.text)", to: width), notice.isProblem ? .failure : .success)]
        }
        let list = model.orders
        guard !list.rows.isEmpty else { return [] }
        let last = min(list.rows.count, top + rowCount)
        let more = list.hasMore ? "; older orders load on Page Down" : ""
        let loading = list.isLoading ? "; loading…" : ""
        let text = "Orders \(top + 1)-\(last) of \(list.rows.count) loaded\(more)\(loading). Enter opens the selected order."
        return [Span(TextWidth.truncate(text, to: width), .dim)]
    }
}

/// Where each pane goes on a screen of a given size; computed without a terminal.
///
/// The header comes first. Below it, the order pane sits above the actions pane on the left,
/// and the transaction pane above the event log on the right. Then come the CBUI URL across
/// the full width, the return-URI input row, the status line (two rows for a long notice)
/// and the hint bar. Each pane rectangle includes its title row.
public struct Layout: Equatable, Sendable {
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    /// Rows of the actions pane: the title and one per action.
    static let actionsHeight = 1 + ActionsPane.actions.count
    /// Rows of the transaction pane: the title and seven detail rows.
    static let transactionHeight = 8
    /// Minimum rows of the order pane: title, two field rows, a notice row and one line.
    static let minimumOrderHeight = 5
    static let minimumEventsHeight = 3

    public var header: Rect
    public var order: Rect
    public var actions: Rect
    public var transaction: Rect
    public var events: Rect
    /// The column of the vertical rule between the left and right panes, over the middle rows.
    public var separator: Rect
    public var url: Rect
    public var returnURI: Rect
    public var status: Rect
    public var hints: Rect

    /// Rows the URL needs at `width` columns when wrapped by character; 1 for the placeholder.
    static func urlRows(urlWidth: Int, width: Int) -> Int {
        urlWidth == 0 ? 1 : (urlWidth + width - 1) / width
    }

    /// Computes the layout for a `width` x `height` screen, or nil below the 80x24 minimum.
    /// `urlWidth` is the display width of the CBUI URL (0 when there is none) and
    /// `noticeWidth` that of the status notice, which gets a second row when wider than the screen.
    public static func compute(width: Int, height: Int, urlWidth: Int = 0, noticeWidth: Int = 0) -> Layout? {
        guard width >= minimumWidth, height >= minimumHeight else { return nil }

        // Fixed rows at the top and the bottom.
        let header = Rect(x: 0, y: 0, width: width, height: 1)
        let hints = Rect(x: 0, y: height - 1, width: width, height: 1)
        let statusRows = noticeWidth > width ? 2 : 1
        let status = Rect(x: 0, y: hints.y - statusRows, width: width, height: statusRows)
        let returnURI = Rect(x: 0, y: status.y - 1, width: width, height: 1)

        // The URL gets every row it needs unless that would squeeze the middle panes below
        // their minimum. In that case the URL pane marks how much is cut.
        let middleMinimum = max(minimumOrderHeight + actionsHeight, transactionHeight + minimumEventsHeight)
        let urlRoomMaximum = returnURI.y - header.height - middleMinimum - 1
        let urlRows = min(urlRows(urlWidth: urlWidth, width: width), urlRoomMaximum)
        let url = Rect(x: 0, y: returnURI.y - 1 - urlRows, width: width, height: 1 + urlRows)

        // The middle band: two columns with a one-column rule between them.
        let middleTop = header.height
        let middleHeight = url.y - middleTop
        let leftWidth = max(46, width * 55 / 100)
        let rightX = leftWidth + 1
        let rightWidth = width - rightX
        let actions = Rect(x: 0, y: url.y - actionsHeight, width: leftWidth, height: actionsHeight)
        let order = Rect(x: 0, y: middleTop, width: leftWidth, height: actions.y - middleTop)
        let transaction = Rect(x: rightX, y: middleTop, width: rightWidth, height: transactionHeight)
        let events = Rect(x: rightX, y: transaction.maxY, width: rightWidth, height: url.y - transaction.maxY)
        let separator = Rect(x: leftWidth, y: middleTop, width: 1, height: middleHeight)

        return Layout(header: header, order: order, actions: actions, transaction: transaction, events: events,
                      separator: separator, url: url, returnURI: returnURI, status: status, hints: hints)
    }
}

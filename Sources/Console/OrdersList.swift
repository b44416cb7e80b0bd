import Checkout
import FPSClient
import Foundation

/// The state filters of the orders list, in the order `f` cycles through them.
enum OrdersFilter: CaseIterable, Equatable, Sendable {
    case all, reserved, pending, succeeded, failed, cancelled

    /// The phases the ledger query keeps, or nil for every phase.
    var phases: Set<CheckoutPhase>? {
        switch self {
        case .all: return nil
        case .reserved: return [.reserved]
        case .pending: return [.pending]
        case .succeeded: return [.succeeded]
        case .failed: return [.failed]
        case .cancelled: return [.cancelled]
        }
    }

    var label: String {
        switch self {
        case .all: return "all"
        case .reserved: return "reserved"
        case .pending: return "pending"
        case .succeeded: return "succeeded"
        case .failed: return "failed"
        case .cancelled: return "cancelled"
        }
    }
}

/// One request for a page of the orders list. `generation` tells a late answer to an
/// older request apart, so typing a search never shows the rows of an earlier search.
struct OrdersQuery: Equatable, Sendable {
    var phases: Set<CheckoutPhase>?
    var search: String?
    var limit: Int
    var generation: Int
}

/// The orders screen: filter, search text, the rows loaded so far and the selection.
///
/// Rows load most recently updated first in pages of `pageSize`. The checkout's query takes a limit but no
/// offset, so a further page asks for `limit + pageSize` rows; the screen keeps only what it
/// has been asked to show, never the whole ledger.
struct OrdersList: Equatable {
    static let pageSize = 100

    var filter: OrdersFilter = .all
    var search = TextField()
    var isEditingSearch = false
    var rows: [OrderSummary] = []
    var selected = 0
    /// The limit of the last query sent.
    var limit = OrdersList.pageSize
    /// Whether the last answer filled its limit, so older orders may exist.
    var hasMore = false
    var generation = 0
    var isLoading = false
    /// Orders on one screen, which Page Up and Page Down move by; the event loop sets it
    /// from the window height.
    var pageRows = 15
    /// Why the last query failed, shown instead of the rows.
    var loadProblem: String?

    var selectedRow: OrderSummary? { rows.indices.contains(selected) ? rows[selected] : nil }

    /// Starts a fresh query from the first page, for a new filter or search text.
    /// `clearRows` empties the list until the answer arrives, so rows of the previous filter
    /// never show under the new one. Search typing keeps them, to avoid a flicker per key.
    mutating func restart(clearRows: Bool = false) -> OrdersQuery {
        if clearRows { rows = [] }
        selected = 0
        limit = Self.pageSize
        return nextQuery()
    }

    /// Returns the query for the current filter, search and limit, and marks it as the one
    /// whose answer counts.
    mutating func nextQuery() -> OrdersQuery {
        generation += 1
        isLoading = true
        let text = search.text.trimmingCharacters(in: .whitespaces)
        return OrdersQuery(phases: filter.phases, search: text.isEmpty ? nil : text, limit: limit, generation: generation)
    }

    /// Returns true when `query` is the latest one sent and still matches the filter and
    /// search on screen, so its answer may replace the rows.
    func isCurrent(_ query: OrdersQuery) -> Bool {
        let text = search.text.trimmingCharacters(in: .whitespaces)
        return query.generation == generation && query.phases == filter.phases && query.search == (text.isEmpty ? nil : text)
    }

    /// Takes the answer to a query. Answers to older queries, or to a filter or search no
    /// longer on screen, are dropped.
    ///
    /// Empty orders (still being entered, with no lines) are left out under every filter,
    /// because they have nothing to open, settle or refund, and New order reuses such an
    /// order. The desk's current order stays on the checkout screen either way.
    mutating func receive(_ newRows: [OrderSummary], for query: OrdersQuery) {
        guard isCurrent(query) else { return }
        isLoading = false
        loadProblem = nil
        // Keep the same order selected when a longer page arrives.
        let selectedID = selectedRow?.orderID
        rows = newRows.filter { !$0.isEmptyOrder }
        // Counted before empty orders are left out: a full page means older orders may exist.
        hasMore = newRows.count >= query.limit
        if let selectedID, let index = rows.firstIndex(where: { $0.orderID == selectedID }) {
            selected = index
        } else {
            selected = min(selected, max(0, rows.count - 1))
        }
    }

    mutating func fail(_ message: String, for query: OrdersQuery) {
        guard isCurrent(query) else { return }
        isLoading = false
        loadProblem = message
    }

    /// Moves the selection by `step` rows and returns a query for the next page when the
    /// selection comes within a page of the end of the loaded rows and more may exist.
    mutating func move(by step: Int) -> OrdersQuery? {
        guard !rows.isEmpty else { return nil }
        selected = min(max(0, selected + step), rows.count - 1)
        guard hasMore, !isLoading, selected >= rows.count - Self.pageSize / 2 else { return nil }
        // Grown from the last limit, not from the rows shown, because hidden empty orders
        // count against the limit too.
        limit += Self.pageSize
        return nextQuery()
    }
}

/// The age of an order in one short unit, such as "12 s", "3 min", "5 h" or "2 d".
enum Age {
    static func text(from start: Date, to now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(start)))
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min" }
        if seconds < 86_400 { return "\(seconds / 3600) h" }
        return "\(seconds / 86_400) d"
    }
}

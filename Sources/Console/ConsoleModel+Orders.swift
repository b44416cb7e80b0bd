import Checkout
import Foundation

/// Keys and query results of the orders screen.
extension ConsoleModel {
    /// Switches to the orders screen and asks for its first page.
    mutating func openOrders() -> [ConsoleEffect] {
        screen = .orders
        orders.isEditingSearch = false
        return [.loadOrders(orders.restart(clearRows: true))]
    }

    mutating func closeOrders() -> [ConsoleEffect] {
        screen = .checkout
        orders.isEditingSearch = false
        return []
    }

    /// Takes the rows of an orders query run by the event loop.
    mutating func ordersLoaded(_ rows: [OrderSummary], for query: OrdersQuery) {
        orders.receive(rows, for: query)
    }

    mutating func ordersFailed(_ message: String, for query: OrdersQuery) {
        orders.fail(message, for: query)
    }

    mutating func runOnOrders(_ command: ConsoleCommand) -> [ConsoleEffect] {
        var query: OrdersQuery?
        switch command {
        case .submit:
            return openSelectedOrder()
        case .moveUp:
            query = orders.move(by: -1)
        case .moveDown:
            query = orders.move(by: 1)
        case .pageUp:
            query = orders.move(by: -orders.pageRows)
        case .pageDown:
            query = orders.move(by: orders.pageRows)
        case .firstRow:
            query = orders.move(by: -orders.rows.count)
        case .lastRow:
            query = orders.move(by: orders.rows.count)
        case .searchOrders:
            orders.isEditingSearch = true
        case .cycleFilter, .previousFilter:
            let all = OrdersFilter.allCases
            let index = all.firstIndex(of: orders.filter) ?? 0
            let step = command == .cycleFilter ? 1 : all.count - 1
            orders.filter = all[(index + step) % all.count]
            query = orders.restart(clearRows: true)
        case .cancel:
            if orders.isEditingSearch || !orders.search.isEmpty {
                orders.isEditingSearch = false
                if !orders.search.isEmpty {
                    orders.search.clear()
                    query = orders.restart()
                }
            } else {
                return closeOrders()
            }
        default:
            break
        }
        return query.map { [.loadOrders($0)] } ?? []
    }

    /// Sends `.open` for the selected order and returns to the checkout screen, where its
    /// state arrives like any other.
    private mutating func openSelectedOrder() -> [ConsoleEffect] {
        guard let row = orders.selectedRow else {
            localNotice = LocalNotice(text: "No order is selected; change the filter or the search.", isProblem: true)
            return []
        }
        screen = .checkout
        orders.isEditingSearch = false
        if row.orderID == state.orderID { return [] }
        return [.send(.open(orderID: row.orderID))]
    }

    /// Edits the search text while it has focus; each change starts a new query.
    mutating func editSearch(with key: Key) -> [ConsoleEffect] {
        guard orders.isEditingSearch else { return [] }
        let before = orders.search.text
        guard orders.search.edit(with: key), orders.search.text != before else { return [] }
        return [.loadOrders(orders.restart())]
    }

    mutating func pasteIntoSearch(_ text: String) {
        orders.isEditingSearch = true
        orders.search.insert(text)
    }
}

import Checkout
import FPSClient
import Foundation
@testable import Console

/// wcwidth needs a UTF-8 LC_CTYPE; a global `let` runs this once, before any test measures text.
let utf8LocaleReady: Bool = TextWidth.prepareLocale()

enum Fixture {
    static let url = "http://127.0.0.1:54321/cobranded-ui/actions/start?callerKey=AKIAIOSFODNN7EXAMPLE"
        + "&callerReference=ref-0001-9f2c1d7e&currencyCode=USD&pipelineName=SingleUse"
        + "&returnURL=http%3A%2F%2F127.0.0.1%3A54321%2Freturn&signatureMethod=HmacSHA256&signatureVersion=2"
        + "&transactionAmount=29.50&signature=Zm9vYmFyYmF6cXV1eGZvb2JhcmJhenF1dXg%3D"

    static func state(_ phase: CheckoutPhase = .assembling, mode: ChargeMode = .payNow, lines: [OrderLine] = [],
                      url: String? = nil, isSandbox: Bool = true) -> CheckoutState {
        CheckoutState(orderID: "ORD-0001", phase: phase, mode: mode, lines: lines, callerReference: "ref-0001",
                      cbuiURL: url, isSandbox: isSandbox, clerk: "ann")
    }

    static let widget = OrderLine(description: "Widget", quantity: 2, unitPrice: Money(minorUnits: 1250))
    static let tea = OrderLine(description: "Tea", quantity: 3, unitPrice: Money(minorUnits: 150))

    static func model(_ state: CheckoutState, canPlayCustomer: Bool = true) -> ConsoleModel {
        ConsoleModel(state: state, canPlayCustomer: canPlayCustomer)
    }

    /// A return URI as the sandbox's payment page sends the customer's browser back with it.
    static let returnURI = "http://127.0.0.1/fps-checkout/return?callerReference=ref-0001-9f2c1d7e&tokenID=T7QXKZ2M9PLR4VBN8HDS3JFW6"
        + "&status=SC&signatureMethod=RSA-SHA1&signatureVersion=2&certificateUrl=http%3A%2F%2F127.0.0.1%3A54321%2Ffps%2Fcerts%2Fsandbox.pem"
        + "&signature=c2lnbmF0dXJlLW9mLXRoZS1zYW5kYm94LXJldHVybi11cmk%3D"

    /// Request and response lines as the checkout records them, already redacted.
    static let events: [FPSEvent] = [
        FPSEvent(time: context.now.addingTimeInterval(-4), kind: .request, text: "Pay 29.50 USD"),
        FPSEvent(time: context.now.addingTimeInterval(-3.5), kind: .response, text: "Pay: Pending (PendingNetworkResponse)"),
        FPSEvent(time: context.now.addingTimeInterval(-2), kind: .request, text: "GetTransactionStatus 15SF…[35 chars]"),
    ]

    /// Three reserved orders of different ages, the newest first, as the ledger lists them.
    static let reservedOrders: [OrderSummary] = [
        OrderSummary(orderID: "1042", phase: .reserved, mode: .reserveThenSettle, total: Money(minorUnits: 3000),
                     created: context.now.addingTimeInterval(-185), updated: context.now.addingTimeInterval(-60), desk: "desk-1",
                     firstLineDescription: "Desk lamp", transactionID: "15SFHU9G1OIP2MM7GM5CK3Q8TZ6LMCEEK5E", transactionStatus: .reserved),
        OrderSummary(orderID: "1038", phase: .reserved, mode: .reserveThenSettle, total: Money(minorUnits: 129_900),
                     created: context.now.addingTimeInterval(-7_400), updated: context.now.addingTimeInterval(-7_000), desk: "desk-2",
                     firstLineDescription: "Standing desk, oak 東京", transactionID: nil, transactionStatus: .reserved),
        OrderSummary(orderID: "977", phase: .reserved, mode: .reserveThenSettle, total: Money(minorUnits: 450),
                     created: context.now.addingTimeInterval(-190_000), updated: context.now.addingTimeInterval(-190_000), desk: "desk-1",
                     firstLineDescription: "Tea", transactionID: nil, transactionStatus: .reserved),
    ]

    static let context = RenderContext(now: Date(timeIntervalSince1970: 1_700_000_000), timeZone: TimeZone(identifier: "UTC")!)
}

/// Describes effects as strings, because `CheckoutIntent` is not Equatable.
func describe(_ effects: [ConsoleEffect]) -> [String] {
    effects.map { effect in
        switch effect {
        case .send(let intent):
            switch intent {
            case .addLine(let description, let quantity, let unitPrice): return "addLine(\(description)|\(quantity)|\(unitPrice))"
            case .removeLine(let index): return "removeLine(\(index))"
            case .setMode(let mode): return "setMode(\(mode.rawValue))"
            case .buildURL: return "buildURL"
            case .submitReturnURI(let uri): return "submitReturnURI(\(uri.count))"
            case .pay: return "pay"
            case .reserve: return "reserve"
            case .settle(let amount): return "settle(\(amount ?? "full"))"
            case .newOrder: return "newOrder"
            case .open(let orderID): return "open(\(orderID))"
            case .refreshStatus: return "refreshStatus"
            case .refund(let amount): return "refund(\(amount ?? "full"))"
            case .cancel: return "cancel"
            case .lock: return "lock"
            case .unlock(let clerk): return "unlock(\(clerk))"
            }
        case .playCustomer(let url): return "playCustomer(\(url.count))"
        case .loadOrders(let query):
            let phases = query.phases.map { $0.map(\.rawValue).sorted().joined(separator: ",") } ?? "all"
            return "loadOrders(\(phases)|\(query.search ?? "")|\(query.limit))"
        case .copyToClipboard(let text): return "copy(\(text.count))"
        case .cycleTheme: return "cycleTheme"
        case .clearAndRedraw: return "clearAndRedraw"
        case .quit: return "quit"
        }
    }
}

extension ConsoleModel {
    /// Presses each key in turn and returns every effect.
    mutating func press(_ keys: [Key]) -> [String] {
        keys.flatMap { describe(handle($0)) }
    }

    mutating func type(_ text: String) -> [String] {
        press(text.map { Key.character($0) })
    }
}

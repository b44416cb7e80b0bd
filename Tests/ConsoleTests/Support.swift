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
                      cbuiURL: url, isSandbox: isSandbox)
    }

    static let widget = OrderLine(description: "Widget", quantity: 2, unitPrice: Money(minorUnits: 1250))
    static let tea = OrderLine(description: "Tea", quantity: 3, unitPrice: Money(minorUnits: 150))

    static func model(_ state: CheckoutState, canPlayCustomer: Bool = true) -> ConsoleModel {
        ConsoleModel(state: state, canPlayCustomer: canPlayCustomer)
    }

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
            }
        case .playCustomer(let url): return "playCustomer(\(url.count))"
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

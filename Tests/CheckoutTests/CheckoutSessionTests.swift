@testable import Checkout
import FPSClient
import Foundation
import Ledger
import Synchronization
import Testing

/// A session over a fresh ledger file and a fake endpoint.
struct Harness {
    let directory: TemporaryDirectory
    let ledger: Ledger
    let fps: FakeFPS
    let session: CheckoutSession

    init(maxPolls: Int = 20, maxAttempts: Int = 4) throws {
        directory = try TemporaryDirectory()
        ledger = try Ledger(path: directory.ledgerPath)
        fps = FakeFPS()
        session = CheckoutSession(configuration: testConfiguration(maxPolls: maxPolls, maxAttempts: maxAttempts),
                                  client: fps, ledger: ledger, authorize: fakeAuthorize)
    }

    var orderNumber: Int64 { Int64(session.state.orderID)! }

    /// Adds one line of 2 × 12.50 and one of 1 × 5.00 (total 30.00), builds the URL and
    /// submits an approved return URI with `token`.
    func authorize(mode: ChargeMode = .payNow, token: String = makeTokenID("A")) async {
        await session.perform(.setMode(mode))
        await session.perform(.addLine(description: "Blue mug", quantity: "2", unitPrice: "12.50"))
        await session.perform(.addLine(description: "Gift wrap", quantity: "1", unitPrice: "5"))
        await session.perform(.buildURL)
        await session.perform(.submitReturnURI("approve:\(token)"))
    }
}

@Suite("Order entry")
struct OrderEntryTests {
    @Test("valid line is added and saved")
    func addLine() async throws {
        let harness = try Harness()
        await harness.session.perform(.addLine(description: " Blue mug ", quantity: "3", unitPrice: "19.99"))
        let state = harness.session.state
        #expect(state.lines == [OrderLine(description: "Blue mug", quantity: 3, unitPrice: Money(minorUnits: 1999))])
        #expect(state.total == Money(minorUnits: 5997))
        #expect(state.noticeIsProblem == false)
        #expect(state.notice == "Added 3 × Blue mug at USD 19.99.")
        let stored = try harness.ledger.loadOrder(harness.orderNumber)
        #expect(stored.order.totalMinor == 5997)
        #expect(stored.lines.count == 1)
    }

    @Test("bad quantity keeps the lines", arguments: ["0", "abc", "10000", "-1", "1.5", "", "+3"])
    func badQuantity(quantity: String) async throws {
        let harness = try Harness()
        await harness.session.perform(.addLine(description: "Lamp", quantity: "1", unitPrice: "10"))
        await harness.session.perform(.addLine(description: "Mug", quantity: quantity, unitPrice: "5"))
        let state = harness.session.state
        #expect(state.lines.count == 1)
        #expect(state.noticeIsProblem)
        #expect(state.notice == "Quantity \"\(quantity)\" is invalid: type a whole number from 1 to 9999.")
        #expect(try harness.ledger.loadOrder(harness.orderNumber).lines.count == 1)
    }

    @Test("bad price names the value", arguments: ["", "1,50", "abc", "0", "1.234", "-2"])
    func badPrice(price: String) async throws {
        let harness = try Harness()
        await harness.session.perform(.addLine(description: "Mug", quantity: "1", unitPrice: price))
        let state = harness.session.state
        #expect(state.lines.isEmpty)
        #expect(state.noticeIsProblem)
        #expect(state.notice?.hasPrefix("Unit price \"\(price)\" is invalid: ") == true)
    }

    @Test("empty description is rejected")
    func emptyDescription() async throws {
        let harness = try Harness()
        await harness.session.perform(.addLine(description: "  ", quantity: "1", unitPrice: "5"))
        #expect(harness.session.state.lines.isEmpty)
        #expect(harness.session.state.noticeIsProblem)
    }

    @Test("total above the limit is rejected")
    func totalLimit() async throws {
        let harness = try Harness()
        await harness.session.perform(.addLine(description: "Chair", quantity: "2", unitPrice: "5000"))
        await harness.session.perform(.addLine(description: "Cushion", quantity: "1", unitPrice: "0.01"))
        let state = harness.session.state
        #expect(state.lines.count == 1)
        #expect(state.noticeIsProblem)
        #expect(state.notice?.contains("USD 10000.01") == true)
    }

    @Test("remove line and bad index")
    func removeLine() async throws {
        let harness = try Harness()
        await harness.session.perform(.addLine(description: "A", quantity: "1", unitPrice: "1"))
        await harness.session.perform(.addLine(description: "B", quantity: "1", unitPrice: "2"))
        await harness.session.perform(.removeLine(index: 0))
        #expect(harness.session.state.lines.map(\.description) == ["B"])
        await harness.session.perform(.removeLine(index: 5))
        #expect(harness.session.state.noticeIsProblem)
        #expect(harness.session.state.lines.count == 1)
        #expect(try harness.ledger.loadOrder(harness.orderNumber).lines.map(\.description) == ["B"])
    }

    @Test("availability follows the phase")
    func availability() async throws {
        let harness = try Harness()
        var state = harness.session.state
        #expect(state.availability(of: .buildURL).allowed == false)
        #expect(state.availability(of: .pay).allowed == false)
        #expect(state.availability(of: .settle).allowed == false)
        #expect(state.availability(of: .newOrder).allowed)

        await harness.session.perform(.addLine(description: "A", quantity: "1", unitPrice: "1"))
        state = harness.session.state
        #expect(state.availability(of: .buildURL).allowed)

        await harness.session.perform(.pay)
        #expect(harness.session.state.noticeIsProblem)
        #expect(harness.session.state.notice == "Verify a return URI first.")
        #expect(harness.fps.calls.isEmpty)

        await harness.session.perform(.buildURL)
        await harness.session.perform(.submitReturnURI("approve:\(makeTokenID("AV"))"))
        state = harness.session.state
        #expect(state.phase == .authorized)
        #expect(state.availability(of: .pay).allowed)
        #expect(state.availability(of: .reserve).allowed == false)
    }

    @Test("caller references are unique and bounded")
    func callerReferences() async throws {
        let harness = try Harness()
        let first = harness.session.state.callerReference
        // A line keeps the order, because New order reuses an empty one.
        await harness.session.perform(.addLine(description: "Tea", quantity: "1", unitPrice: "4.50"))
        await harness.session.perform(.newOrder)
        let second = harness.session.state.callerReference
        #expect(first != second)
        #expect(first.hasPrefix("fpsc-front_desk-"))
        let long = CheckoutSession.makeCallerReference(desk: String(repeating: "x", count: 300), orderID: Int64.max)
        #expect(CheckoutSession.paymentReference(cbuiReference: long, kind: .reserve).count <= 128)
    }
}

@Suite("New order")
struct NewOrderTests {
    @Test("new order starts in Pay now after a Reserve order")
    func newOrderStartsInPayNow() async throws {
        let harness = try Harness()
        await harness.authorize(mode: .reserveThenSettle)
        let reserveOrder = harness.orderNumber
        await harness.session.perform(.newOrder)
        let state = harness.session.state
        #expect(state.orderID != String(reserveOrder))
        #expect(state.mode == .payNow)
        #expect(try harness.ledger.loadOrder(harness.orderNumber).order.mode == ChargeMode.payNow.rawValue)
    }

    @Test("new order reuses an empty order")
    func newOrderReusesEmptyOrder() async throws {
        let harness = try Harness()
        let first = harness.session.state.orderID
        await harness.session.perform(.newOrder)
        await harness.session.perform(.newOrder)
        #expect(harness.session.state.orderID == first)
        #expect(try harness.ledger.listOrders().count == 1)
    }

    @Test("reused empty order returns to Pay now")
    func reusedEmptyOrderReturnsToPayNow() async throws {
        let harness = try Harness()
        let first = harness.session.state.orderID
        await harness.session.perform(.setMode(.reserveThenSettle))
        await harness.session.perform(.newOrder)
        let state = harness.session.state
        #expect(state.orderID == first)
        #expect(state.mode == .payNow)
        #expect(state.noticeIsProblem == false)
        #expect(try harness.ledger.loadOrder(harness.orderNumber).order.mode == ChargeMode.payNow.rawValue)
        #expect(try harness.ledger.listOrders().count == 1)
    }

    @Test("order with a line is kept")
    func orderWithLineIsKept() async throws {
        let harness = try Harness()
        let first = harness.session.state.orderID
        await harness.session.perform(.addLine(description: "Tea", quantity: "1", unitPrice: "4.50"))
        await harness.session.perform(.newOrder)
        #expect(harness.session.state.orderID != first)
        #expect(harness.session.state.lines.isEmpty)
        #expect(try harness.ledger.listOrders().count == 2)
    }
}

@Suite("Availability reasons")
struct AvailabilityReasonTests {
    /// The actions pane shows 31 columns of reason at a 100-column window.
    static let reasonColumns = 31

    @Test("every reason fits the actions pane", arguments: CheckoutPhase.allCases)
    func reasonsFit(phase: CheckoutPhase) {
        let usd = { (minor: Int64) in Money(minorUnits: minor) }
        for mode in ChargeMode.allCases {
            for lines in [[], [OrderLine(description: "Tea", quantity: 1, unitPrice: usd(99_999))]] {
                for locked in [false, true] {
                    for busy in [false, true] {
                        for action in [CheckoutAction.pay, .reserve, .settle, .cancel, nil] {
                            var state = CheckoutState(orderID: "1", phase: phase, mode: mode, lines: lines, callerReference: "r",
                                                      cbuiURL: lines.isEmpty ? nil : "http://127.0.0.1/x", isSandbox: true)
                            state.isLocked = locked
                            state.busyStep = busy ? ("Pay", Date()) : nil
                            state.transactionAction = action
                            state.charged = phase == .succeeded ? usd(99_999) : nil
                            for refunds in Self.refundCases(usd: usd) {
                                state.refunds = refunds
                                for checked in CheckoutAction.allCases {
                                    let reason = state.availability(of: checked).reason
                                    #expect(reason.count <= Self.reasonColumns, "\(checked) in \(phase): \"\(reason)\" has \(reason.count) characters")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func refundCases(usd: (Int64) -> Money) -> [[RefundView]] {
        let now = Date()
        let done = RefundView(sequence: 1, callerReference: "r-1", amount: usd(99_999), transactionID: "T", status: .succeeded, lastUpdate: now)
        let unknown = RefundView(sequence: 9, callerReference: "r-9", amount: usd(99_999), transactionID: nil, status: .requested, lastUpdate: now)
        return [[], [done], [unknown]]
    }
}

@Suite("Authorization")
struct AuthorizationTests {
    @Test("URL is signed for the ledger total")
    func buildURL() async throws {
        let harness = try Harness()
        await harness.session.perform(.addLine(description: "Blue mug", quantity: "2", unitPrice: "12.50"))
        await harness.session.perform(.buildURL)
        let state = harness.session.state
        #expect(state.phase == .awaitingReturn)
        let url = try #require(state.cbuiURL)
        #expect(url.contains("transactionAmount=25.00"))
        #expect(url.contains("callerReference=\(state.callerReference)"))
        #expect(url.contains("&signature="))
        #expect(url.contains("reserve=True") == false)
        #expect(try harness.ledger.loadOrder(harness.orderNumber).cbuiURL == url)
        // The URL carries a signature, so it must not reach the event log.
        #expect(state.events.allSatisfy { !$0.text.contains("signature=") })
    }

    @Test("refusal keeps the order waiting")
    func refusalKeepsOrder() async throws {
        let harness = try Harness()
        await harness.session.perform(.addLine(description: "Lamp", quantity: "1", unitPrice: "40"))
        await harness.session.perform(.buildURL)
        await harness.session.perform(.submitReturnURI("https://example.invalid/return?tampered"))
        let state = harness.session.state
        #expect(state.phase == .awaitingReturn)
        #expect(state.notice == "The return URI's signature does not match its contents.")
        #expect(state.noticeIsProblem)
        #expect(state.tokenID == nil)
        #expect(harness.fps.calls.isEmpty)
        #expect(try harness.ledger.loadOrder(harness.orderNumber).token == nil)
    }

    @Test("other order's return is rejected")
    func wrongOrder() async throws {
        let harness = try Harness()
        await harness.session.perform(.addLine(description: "Lamp", quantity: "1", unitPrice: "40"))
        await harness.session.perform(.buildURL)
        await harness.session.perform(.submitReturnURI("approve:\(makeTokenID("W"))@fpsc-other-1-abc"))
        #expect(harness.session.state.phase == .awaitingReturn)
        #expect(harness.session.state.notice?.contains("fpsc-other-1-abc") == true)
    }

    @Test("used token is rejected")
    func usedToken() async throws {
        let harness = try Harness()
        let token = makeTokenID("DUP")
        await harness.authorize(token: token)
        let firstOrder = harness.orderNumber
        await harness.session.perform(.pay)
        #expect(harness.session.state.phase == .succeeded)

        await harness.session.perform(.newOrder)
        await harness.session.perform(.addLine(description: "Lamp", quantity: "1", unitPrice: "40"))
        await harness.session.perform(.buildURL)
        await harness.session.perform(.submitReturnURI("approve:\(token)"))
        let state = harness.session.state
        #expect(state.phase == .awaitingReturn)
        #expect(state.notice == "This return URI's token was already used by order \(firstOrder). A single-use authorization pays once, so build a new URL.")
        #expect(harness.fps.calls("Pay").count == 1)
    }

    @Test("editing after signing needs a new URL")
    func editAfterSigning() async throws {
        let harness = try Harness()
        await harness.authorize()
        let oldReference = harness.session.state.callerReference
        await harness.session.perform(.addLine(description: "Extra", quantity: "1", unitPrice: "1"))
        var state = harness.session.state
        #expect(state.phase == .assembling)
        #expect(state.tokenID == nil)
        #expect(state.cbuiURL == nil)
        #expect(state.notice?.contains("build a new URL") == true)

        await harness.session.perform(.buildURL)
        state = harness.session.state
        #expect(state.callerReference != oldReference)
        #expect(state.cbuiURL?.contains("transactionAmount=31.00") == true)
    }

    @Test("token never appears in full")
    func tokenRedacted() async throws {
        let harness = try Harness()
        let token = makeTokenID("SECRET")
        await harness.authorize(token: token)
        await harness.session.perform(.pay)
        let state = harness.session.state
        #expect(state.notice?.contains(token) == false)
        #expect(state.events.allSatisfy { !$0.text.contains(token) })
        let journal = try harness.ledger.journal(orderID: harness.orderNumber)
        #expect(journal.allSatisfy { !$0.parameters.contains(token) })
    }
}

@Suite("Payment")
struct PaymentTests {
    @Test("pay succeeds for the ledger total")
    func paySucceeds() async throws {
        let harness = try Harness()
        await harness.authorize(token: makeTokenID("P"))
        await harness.session.perform(.pay)
        let state = harness.session.state
        #expect(state.phase == .succeeded)
        #expect(state.transaction?.status == .success)
        #expect(state.notice == "Paid USD 30.00 (transaction TX1).")
        #expect(state.busyStep == nil)

        let pays = harness.fps.calls("Pay")
        #expect(pays.count == 1)
        #expect(pays.first?.amount == Money(minorUnits: 3000))
        #expect(pays.first?.callerReference == state.callerReference + "-pay")
        #expect(pays.first?.tokenID == makeTokenID("P"))

        let journal = try harness.ledger.journal(orderID: harness.orderNumber)
        #expect(journal.count == 1)
        #expect(journal.first?.outcome == .answered)
        #expect(journal.first?.transactionID == "TX1")
        #expect(try harness.ledger.loadOrder(harness.orderNumber).order.phase == "succeeded")
    }

    @Test("pending pay is polled to success")
    func pendingPolling() async throws {
        let harness = try Harness()
        harness.fps.answer("Pay", with: .pending)
        harness.fps.statusSequence([.pending, .pending, .success], for: "Pay")
        await harness.authorize()
        await harness.session.perform(.pay)
        let state = harness.session.state
        #expect(state.phase == .succeeded)
        #expect(state.transaction?.status == .success)
        #expect(state.busyStep == nil)
        #expect(harness.fps.calls("Pay").count == 1)
        #expect(harness.fps.calls("GetTransactionStatus").count == 3)
        let history = try harness.ledger.statusHistory(transactionID: "TX1").map(\.status)
        #expect(history == ["Pending", "Success"])
    }

    @Test("observer sees the pending phase")
    func observerSeesPhases() async throws {
        let harness = try Harness()
        harness.fps.answer("Pay", with: .pending)
        harness.fps.statusSequence([.success], for: "Pay")
        await harness.authorize()
        let phases = PhaseRecorder()
        harness.session.observe { phases.append($0.phase) }
        await harness.session.perform(.pay)
        let seen = phases.values
        #expect(seen.contains(.paying))
        #expect(seen.contains(.pending))
        #expect(seen.last == .succeeded)
    }

    @Test("retry reuses the caller reference")
    func retrySameReference() async throws {
        let harness = try Harness()
        harness.fps.fail("Pay", with: [.transport("connection reset"), .service(code: "InternalError", message: "try later", requestID: nil, httpStatus: 500)])
        await harness.authorize()
        await harness.session.perform(.pay)
        let state = harness.session.state
        #expect(state.phase == .succeeded)
        #expect(state.transaction?.attempt == 3)
        let pays = harness.fps.calls("Pay")
        #expect(pays.count == 3)
        #expect(Set(pays.map(\.callerReference)).count == 1)
        #expect(Set(pays.map(\.amount)).count == 1)
        #expect(state.events.filter { $0.kind == .retry }.count == 2)
    }

    @Test("final refusal keeps the order authorized")
    func refusalKeepsAuthorized() async throws {
        let harness = try Harness()
        harness.fps.fail("Pay", with: [.service(code: "TokenUsageError", message: "used", requestID: "r1", httpStatus: 400)])
        await harness.authorize()
        await harness.session.perform(.pay)
        let state = harness.session.state
        #expect(state.phase == .authorized)
        #expect(state.notice == "Pay was refused: TokenUsageError — this authorization was already used. Build a new URL.")
        #expect(state.noticeIsProblem)
        #expect(harness.fps.calls("Pay").count == 1)
        #expect(try harness.ledger.transactions(orderID: harness.orderNumber).isEmpty)
        #expect(try harness.ledger.journal(orderID: harness.orderNumber).first?.outcome == .failed)
        #expect(try harness.ledger.loadOrder(harness.orderNumber).order.phase == "authorized")
        #expect(state.availability(of: .buildURL).allowed)
    }

    @Test("exhausted retries allow a safe retry")
    func exhaustedRetries() async throws {
        let harness = try Harness(maxAttempts: 3)
        harness.fps.fail("Pay", with: Array(repeating: .transport("timed out"), count: 3))
        await harness.authorize()
        await harness.session.perform(.pay)
        var state = harness.session.state
        #expect(state.phase == .authorized)
        #expect(state.notice?.contains("after 3 attempts") == true)
        #expect(state.notice?.contains("same CallerReference") == true)
        #expect(harness.fps.calls("Pay").count == 3)

        // The clerk presses Pay again: the same reference goes out once more.
        await harness.session.perform(.pay)
        state = harness.session.state
        #expect(state.phase == .succeeded)
        #expect(Set(harness.fps.calls("Pay").map(\.callerReference)).count == 1)
    }

    @Test("failed transaction ends the order")
    func failedTransaction() async throws {
        let harness = try Harness()
        harness.fps.answer("Pay", with: .failure)
        await harness.authorize()
        await harness.session.perform(.pay)
        let state = harness.session.state
        #expect(state.phase == .failed)
        #expect(state.notice?.hasPrefix("Pay failed: transaction TX1 is Failure.") == true)
        #expect(state.noticeIsProblem)
        #expect(state.availability(of: .buildURL).allowed)
    }

    @Test("pending order can be left and refreshed")
    func pendingGivesUp() async throws {
        let harness = try Harness(maxPolls: 3)
        harness.fps.answer("Pay", with: .pending)
        await harness.authorize()
        await harness.session.perform(.pay)
        var state = harness.session.state
        #expect(state.phase == .pending)
        #expect(state.busyStep == nil)
        #expect(state.notice?.contains("still pending after 3 status checks") == true)
        #expect(state.availability(of: .newOrder).allowed)
        #expect(harness.fps.calls("GetTransactionStatus").count == 3)

        harness.fps.statusSequence([.success], for: "TX1")
        await harness.session.perform(.refreshStatus)
        state = harness.session.state
        #expect(state.phase == .succeeded)
        #expect(harness.fps.calls("Pay").count == 1)
    }

    @Test("status check errors are retried")
    func pollErrorsRetried() async throws {
        let harness = try Harness()
        harness.fps.answer("Pay", with: .pending)
        harness.fps.statusSequence([.success], for: "Pay")
        harness.fps.fail("GetTransactionStatus", with: [.transport("reset")])
        await harness.authorize()
        await harness.session.perform(.pay)
        #expect(harness.session.state.phase == .succeeded)
        #expect(harness.fps.calls("GetTransactionStatus").count == 2)
        #expect(harness.fps.calls("Pay").count == 1)
    }
}

@Suite("Reserve and settle")
struct ReserveSettleTests {
    @Test("reserve then partial settle")
    func reserveThenSettle() async throws {
        let harness = try Harness()
        await harness.authorize(mode: .reserveThenSettle)
        #expect(harness.session.state.cbuiURL?.contains("reserve=True") == true)
        await harness.session.perform(.reserve)
        var state = harness.session.state
        #expect(state.phase == .reserved)
        #expect(harness.fps.calls("Reserve").first?.callerReference == state.callerReference + "-reserve")
        #expect(harness.fps.calls("Reserve").first?.amount == Money(minorUnits: 3000))

        await harness.session.perform(.settle(amount: "20.00"))
        state = harness.session.state
        #expect(state.phase == .succeeded)
        #expect(state.notice == "Settled USD 20.00 (transaction TX1).")
        let settles = harness.fps.calls("Settle")
        #expect(settles.count == 1)
        #expect(settles.first?.amount == Money(minorUnits: 2000))
        #expect(settles.first?.transactionID == "TX1")
    }

    @Test("full settle sends no amount")
    func fullSettle() async throws {
        let harness = try Harness()
        await harness.authorize(mode: .reserveThenSettle)
        await harness.session.perform(.reserve)
        await harness.session.perform(.settle(amount: nil))
        #expect(harness.session.state.phase == .succeeded)
        #expect(harness.fps.calls("Settle").first?.amount == nil)
        #expect(try harness.ledger.transactions(orderID: harness.orderNumber).last?.amountMinor == 3000)
    }

    @Test("settle amount is validated", arguments: [("30.01", "more than the USD 30.00 reserved"), ("abc", "Settle amount \"abc\" is invalid")])
    func settleValidation(amount: String, expected: String) async throws {
        let harness = try Harness()
        await harness.authorize(mode: .reserveThenSettle)
        await harness.session.perform(.reserve)
        await harness.session.perform(.settle(amount: amount))
        let state = harness.session.state
        #expect(state.phase == .reserved)
        #expect(state.notice?.contains(expected) == true)
        #expect(harness.fps.calls("Settle").isEmpty)
    }

    @Test("lost settle response is not re-sent")
    func lostSettleResponse() async throws {
        let harness = try Harness()
        await harness.authorize(mode: .reserveThenSettle)
        await harness.session.perform(.reserve)
        harness.fps.settleTakesEffectBeforeErrors()
        harness.fps.fail("Settle", with: [.transport("connection lost")])
        harness.fps.statusSequence([.pending, .success], for: "Settle")
        await harness.session.perform(.settle(amount: nil))
        #expect(harness.session.state.phase == .succeeded)
        #expect(harness.fps.calls("Settle").count == 1)
    }

    @Test("reserved order reopens for settle")
    func reopenReserved() async throws {
        let harness = try Harness()
        await harness.authorize(mode: .reserveThenSettle)
        await harness.session.perform(.reserve)
        let reservedOrder = harness.session.state.orderID
        await harness.session.perform(.newOrder)
        #expect(harness.session.state.orderID != reservedOrder)
        #expect(try harness.ledger.listOrders().count == 2)

        await harness.session.perform(.open(orderID: reservedOrder))
        var state = harness.session.state
        #expect(state.orderID == reservedOrder)
        #expect(state.phase == .reserved)
        #expect(state.lines.count == 2)
        await harness.session.perform(.settle(amount: ""))
        state = harness.session.state
        #expect(state.phase == .succeeded)

        await harness.session.perform(.open(orderID: "9999"))
        #expect(harness.session.state.notice == "Order 9999 is not in the ledger. Check the number in the order list.")
        await harness.session.perform(.open(orderID: "x1"))
        #expect(harness.session.state.notice?.hasPrefix("Order id \"x1\" is invalid") == true)
    }
}

@Suite("Restart")
struct RestartTests {
    @Test("new session resumes the order")
    func resumesOrder() async throws {
        let directory = try TemporaryDirectory()
        let fps = FakeFPS()
        var orderID = ""
        do {
            let ledger = try Ledger(path: directory.ledgerPath)
            let session = CheckoutSession(configuration: testConfiguration(), client: fps, ledger: ledger, authorize: fakeAuthorize)
            await session.perform(.addLine(description: "Lamp", quantity: "2", unitPrice: "40"))
            await session.perform(.buildURL)
            await session.perform(.submitReturnURI("approve:\(makeTokenID("R"))"))
            orderID = session.state.orderID
        }
        let ledger = try Ledger(path: directory.ledgerPath)
        let session = CheckoutSession(configuration: testConfiguration(), client: fps, ledger: ledger, authorize: fakeAuthorize)
        let state = session.state
        #expect(state.orderID == orderID)
        #expect(state.phase == .authorized)
        #expect(state.lines.count == 1)
        #expect(state.tokenID == makeTokenID("R"))
        await session.perform(.pay)
        #expect(session.state.phase == .succeeded)
        #expect(fps.calls("Pay").first?.amount == Money(minorUnits: 8000))
    }

    @Test("interrupted pay is finished once")
    func interruptedPay() async throws {
        let directory = try TemporaryDirectory()
        let ledger = try Ledger(path: directory.ledgerPath)
        // The state a console leaves when it dies right after journaling a Pay.
        let order = try ledger.createOrder(desk: "front desk", phase: "assembling", mode: "pay", currency: "USD") { "fpsc-front_desk-\($0)-crash" }
        try ledger.replaceLines(orderID: order.id, lines: [LedgerLine(description: "Lamp", quantity: 1, unitPriceMinor: 4200)])
        try ledger.recordCBUIRequest(orderID: order.id, callerReference: order.callerReference, url: "http://127.0.0.1/x", phase: "awaitingReturn")
        try ledger.recordToken(orderID: order.id, tokenID: makeTokenID("CRASH"), callerReference: order.callerReference,
                               statusCode: "SC", expiry: nil, phase: "authorized")
        let reference = CheckoutSession.paymentReference(cbuiReference: order.callerReference, kind: .pay)
        let stale = try ledger.beginCall(orderID: order.id, action: "Pay", callerReference: reference, transactionID: nil,
                                         amountMinor: 4200, currency: "USD", parameters: "…", phase: "paying")

        let fps = FakeFPS()
        let session = CheckoutSession(configuration: testConfiguration(), client: fps, ledger: ledger, authorize: fakeAuthorize)
        await session.waitUntilIdle()
        let state = session.state
        #expect(state.orderID == String(order.id))
        #expect(state.phase == .succeeded)
        let pays = fps.calls("Pay")
        #expect(pays.count == 1)
        #expect(pays.first?.callerReference == reference)
        #expect(pays.first?.amount == Money(minorUnits: 4200))
        let journal = try ledger.journal(orderID: order.id)
        #expect(journal.first { $0.id == stale }?.outcome == .interrupted)
        #expect(journal.last?.outcome == .answered)
        #expect(try ledger.journal(orderID: order.id, unfinishedOnly: true).isEmpty)
    }

    @Test("pending order resumes polling")
    func pendingResumes() async throws {
        let directory = try TemporaryDirectory()
        let fps = FakeFPS()
        fps.answer("Pay", with: .pending)
        do {
            let ledger = try Ledger(path: directory.ledgerPath)
            let session = CheckoutSession(configuration: testConfiguration(maxPolls: 1), client: fps, ledger: ledger, authorize: fakeAuthorize)
            await session.perform(.addLine(description: "Lamp", quantity: "1", unitPrice: "40"))
            await session.perform(.buildURL)
            await session.perform(.submitReturnURI("approve:\(makeTokenID("PR"))"))
            await session.perform(.pay)
            #expect(session.state.phase == .pending)
        }
        fps.statusSequence([.success], for: "TX1")
        let ledger = try Ledger(path: directory.ledgerPath)
        let session = CheckoutSession(configuration: testConfiguration(), client: fps, ledger: ledger, authorize: fakeAuthorize)
        await session.waitUntilIdle()
        #expect(session.state.phase == .succeeded)
        #expect(fps.calls("Pay").count == 1)
    }

    @Test("finished order is not resumed")
    func finishedNotResumed() async throws {
        let directory = try TemporaryDirectory()
        let fps = FakeFPS()
        var finished = ""
        do {
            let ledger = try Ledger(path: directory.ledgerPath)
            let session = CheckoutSession(configuration: testConfiguration(), client: fps, ledger: ledger, authorize: fakeAuthorize)
            await session.perform(.addLine(description: "Lamp", quantity: "1", unitPrice: "40"))
            await session.perform(.buildURL)
            await session.perform(.submitReturnURI("approve:\(makeTokenID("F"))"))
            await session.perform(.pay)
            finished = session.state.orderID
        }
        let ledger = try Ledger(path: directory.ledgerPath)
        let session = CheckoutSession(configuration: testConfiguration(), client: fps, ledger: ledger, authorize: fakeAuthorize)
        #expect(session.state.orderID != finished)
        #expect(session.state.phase == .assembling)
        #expect(session.state.lines.isEmpty)
    }
}

@Suite("Events")
struct EventTests {
    @Test("event log keeps the last 200")
    func eventLimit() async throws {
        let harness = try Harness()
        for number in 0..<250 { harness.session.recordEvent(FPSEvent(kind: .request, text: "event \(number)")) }
        let events = harness.session.state.events
        #expect(events.count == 200)
        #expect(events.last?.text == "event 249")
        #expect(events.first?.text == "event 50")
    }

    @Test("relay forwards after connect")
    func relay() {
        let relay = FPSEventRelay()
        let received = PhaseRecorder()
        relay.sink(FPSEvent(kind: .info, text: "dropped"))
        relay.connect { _ in received.append(.assembling) }
        relay.sink(FPSEvent(kind: .info, text: "kept"))
        #expect(received.values.count == 1)
    }
}

/// Collects values from observer callbacks, which may run on any thread.
final class PhaseRecorder: Sendable {
    private let storage = Mutex<[CheckoutPhase]>([])
    func append(_ phase: CheckoutPhase) { storage.withLock { $0.append(phase) } }
    var values: [CheckoutPhase] { storage.withLock { $0 } }
}

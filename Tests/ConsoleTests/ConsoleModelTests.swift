import Checkout
import FPSClient
import Testing
@testable import Console

@Suite struct ConsoleModelTests {
    @Test func enterOnLastFieldSendsTypedLine() {
        var model = Fixture.model(Fixture.state())
        var effects = model.type("Widget")
        effects += model.press([.enter])
        effects += model.type("2")
        effects += model.press([.tab])
        effects += model.type("12.50")
        effects += model.press([.enter])
        #expect(effects == ["addLine(Widget|2|12.50)"])
    }

    @Test func refusedLineKeepsTypedTextAndShowsNotice() {
        var model = Fixture.model(Fixture.state())
        _ = model.type("Gadget")
        _ = model.press([.tab])
        _ = model.type("x")
        _ = model.press([.tab])
        _ = model.type("1,50")
        _ = model.press([.enter])
        var refused = Fixture.state()
        refused.notice = "Quantity \"x\" is invalid."
        refused.noticeIsProblem = true
        model.apply(refused)
        #expect(model.fieldNotice == "Quantity \"x\" is invalid.")
        #expect(model.description.text == "Gadget")
        #expect(model.quantity.text == "x")
        #expect(model.unitPrice.text == "1,50")
        #expect(model.focus == .unitPrice)

        // Editing the field clears the notice.
        _ = model.press([.backspace])
        #expect(model.fieldNotice == nil)
    }

    @Test func acceptedLineClearsFields() {
        var model = Fixture.model(Fixture.state())
        _ = model.type("Widget")
        _ = model.press([.tab])
        _ = model.type("2")
        _ = model.press([.tab])
        _ = model.type("12.50")
        _ = model.press([.enter])
        model.apply(Fixture.state(lines: [Fixture.widget]))
        #expect(model.description.isEmpty)
        #expect(model.quantity.isEmpty)
        #expect(model.unitPrice.isEmpty)
        #expect(model.focus == .description)
    }

    @Test func typingAheadSurvivesAcceptedLine() {
        var model = Fixture.model(Fixture.state())
        _ = model.type("Widget")
        _ = model.press([.tab])
        _ = model.type("2")
        _ = model.press([.tab])
        _ = model.type("12.50")
        _ = model.press([.enter])
        #expect(model.description.isEmpty)
        #expect(model.focus == .description)
        _ = model.type("Bulb")
        model.apply(Fixture.state(lines: [Fixture.widget]))
        #expect(model.description.text == "Bulb")
        #expect(model.fieldNotice == nil)
    }

    @Test func refusalKeepsTypedAheadText() {
        var model = Fixture.model(Fixture.state())
        _ = model.type("Widget")
        _ = model.press([.tab, .tab])
        _ = model.type("1,50")
        _ = model.press([.enter])
        _ = model.type("Bulb")
        var refused = Fixture.state()
        refused.notice = "Quantity \"\" is invalid."
        refused.noticeIsProblem = true
        model.apply(refused)
        #expect(model.description.text == "Bulb")
        #expect(model.unitPrice.isEmpty)
        #expect(model.fieldNotice == "Quantity \"\" is invalid.")
    }

    @Test func lettersTypeInsteadOfActing() {
        var model = Fixture.model(Fixture.state(.authorized, lines: [Fixture.widget], url: Fixture.url))
        model.focus = .returnURI
        #expect(model.type("pq?") == [])
        #expect(model.returnURI.text == "pq?")
        #expect(model.overlay == nil)
    }

    @Test func bracketedPasteTakesLongLineWhole() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.focus == .returnURI)
        let uri = "http://127.0.0.1:1/return?" + String(repeating: "tokenID=ABCDEFGHIJ&", count: 400) + "status=SC"
        var keys: [Key] = [.pasteBegin]
        keys += uri.map { Key.character($0) }
        keys += [.enter, .pasteEnd]
        #expect(model.press(keys) == [])
        #expect(model.returnURI.text == uri)
        #expect(model.press([.enter]) == ["submitReturnURI(\(uri.count))"])
    }

    @Test func pasteOnActionsPaneGoesToReturnURI() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        model.focus = .actions
        _ = model.press([.pasteBegin, .character("q"), .character("p"), .pasteEnd])
        #expect(model.focus == .returnURI)
        #expect(model.returnURI.text == "qp")
    }

    @Test func keysInsidePasteDoNotAct() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.press([.pasteBegin, .function(10), .control("n"), .escape, .pasteEnd]) == [])
        #expect(model.overlay == nil)
    }

    @Test func payAsksAndOnlyYConfirms() {
        var model = Fixture.model(Fixture.state(.authorized, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.focus == .actions)
        #expect(model.press([.character("p")]) == [])
        #expect(model.overlay == .confirmPay)
        #expect(model.press([.enter]) == [])
        #expect(model.overlay == nil)
        #expect(model.press([.function(5), .character("p")]) == [])
        #expect(model.press([.function(5), .character("y")]) == ["pay"])
    }

    @Test func enterOnActionsPaneRunsSelectedNextStep() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        model.apply(Fixture.state(.authorized, mode: .reserveThenSettle, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.focus == .actions)
        #expect(ActionsPane.actions[model.selectedAction].action == .reserve)
        #expect(model.press([.enter]) == [])
        #expect(model.overlay == .confirmReserve)
        #expect(model.press([.character("y")]) == ["reserve"])
    }

    @Test func disabledActionShowsReason() {
        let state = Fixture.state(.assembling, lines: [Fixture.widget])
        var model = Fixture.model(state)
        #expect(model.press([.function(5)]) == [])
        #expect(model.localNotice == LocalNotice(text: state.availability(of: .pay).reason, isProblem: true))
    }

    @Test func settleWithPartialAmount() {
        var model = Fixture.model(Fixture.state(.reserved, mode: .reserveThenSettle, lines: [Fixture.widget], url: Fixture.url))
        _ = model.press([.character("s")])
        #expect(model.overlay == .settleAmount(TextField(), problem: nil))
        _ = model.type("1,5")
        _ = model.press([.enter])
        guard case .settleAmount(let field, let problem) = model.overlay else {
            Issue.record("the amount prompt closed on an invalid amount")
            return
        }
        #expect(field.text == "1,5")
        #expect(problem?.contains("use a point for decimals") == true)
        _ = model.press([.backspace, .backspace, .backspace])
        _ = model.type("10.00")
        _ = model.press([.enter])
        #expect(model.overlay == .confirmSettle(amount: "10.00"))
        #expect(model.press([.character("y")]) == ["settle(10.00)"])
    }

    @Test func settleEmptyMeansFull() {
        var model = Fixture.model(Fixture.state(.reserved, mode: .reserveThenSettle, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.press([.function(7), .enter, .character("y")]) == ["settle(full)"])
    }

    @Test func quitAsksWhileOrderOpen() {
        var model = Fixture.model(Fixture.state(.assembling, lines: [Fixture.widget]))
        #expect(model.press([.function(10)]) == [])
        #expect(model.overlay == .confirmQuit)
        #expect(model.press([.character("n")]) == [])
        #expect(model.overlay == nil)
        #expect(model.press([.function(10), .character("y")]) == ["quit"])
    }

    @Test func quitWithoutOpenOrderIsImmediate() {
        var empty = Fixture.model(Fixture.state())
        #expect(empty.press([.function(10)]) == ["quit"])
        var finished = Fixture.model(Fixture.state(.succeeded, lines: [Fixture.widget], url: Fixture.url))
        #expect(finished.press([.character("q")]) == ["quit"])
    }

    @Test func interruptActsAsQuit() {
        var model = Fixture.model(Fixture.state(.assembling, lines: [Fixture.widget]))
        #expect(describe(model.interrupt()) == [])
        #expect(model.overlay == .confirmQuit)
        #expect(describe(model.interrupt()) == [])
        #expect(model.overlay == .confirmQuit)
    }

    @Test func escapeClearsFocusedField() {
        var model = Fixture.model(Fixture.state())
        _ = model.type("Widget")
        _ = model.press([.escape])
        #expect(model.description.isEmpty)
    }

    @Test func playCustomerFillsReturnURI() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.press([.control("a")]) == ["playCustomer(\(Fixture.url.count))"])
        #expect(model.isAnimating)
        #expect(model.press([.control("a")]) == [])
        model.customerApproved(returnURI: "http://127.0.0.1:1/return?status=SC")
        #expect(!model.isAnimating)
        #expect(model.returnURI.text == "http://127.0.0.1:1/return?status=SC")
        #expect(model.focus == .returnURI)
    }

    @Test func enterWaitsForSandboxCustomer() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.focus == .returnURI)
        // The clerk's type-ahead: F8, then Enter, F5 and y before the return URI arrives.
        #expect(model.press([.function(8), .enter, .function(5), .character("y")]) == ["playCustomer(\(Fixture.url.count))"])
        #expect(model.overlay == nil)
        #expect(model.returnURI.isEmpty)
        #expect(model.localNotice?.isProblem == true)
        #expect(model.localNotice?.text.contains("Ignored while waiting: F5, y") == true)

        let effects = describe(model.customerApproved(returnURI: Fixture.returnURI))
        #expect(effects == ["submitReturnURI(\(Fixture.returnURI.count))"])
        #expect(model.localNotice?.text.contains("F5, y") == true)
        #expect(model.verifiesCustomerReturn == false)

        model.apply(Fixture.state(.authorized, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.overlay == nil)
        // The confirmation appears only now, and only a y typed after it confirms.
        #expect(model.press([.function(5)]) == [])
        #expect(model.overlay == .confirmPay)
        #expect(model.press([.character("y")]) == ["pay"])
    }

    @Test func escapeStopsWaitingForCustomer() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        _ = model.press([.function(8), .enter])
        #expect(model.verifiesCustomerReturn)
        #expect(model.localNotice?.text.hasPrefix("Waiting for the sandbox customer") == true)
        _ = model.press([.escape])
        #expect(model.verifiesCustomerReturn == false)
        #expect(describe(model.customerApproved(returnURI: Fixture.returnURI)) == [])
        #expect(model.returnURI.text == Fixture.returnURI)
        #expect(model.localNotice?.text == "The sandbox customer approved the URL. Press Enter to verify the return URI.")
    }

    @Test func customerFailureEndsWait() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        _ = model.press([.function(8), .enter, .character("x")])
        model.customerFailed("The sandbox could not be reached.")
        #expect(model.verifiesCustomerReturn == false)
        #expect(model.localNotice?.text == "Playing the customer failed: The sandbox could not be reached. Ignored while waiting: x; press them again if still needed.")
        #expect(model.press([.character("x")]) == [])
        #expect(model.returnURI.text == "x")
    }

    @Test func enterOnEmptyReturnFieldAsksForPaste() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        #expect(model.press([.enter]) == [])
        #expect(model.verifiesCustomerReturn == false)
        #expect(model.localNotice?.text == "Paste the return URI from the customer's browser first.")
    }

    @Test func ordersListHidesEmptyOrders() {
        var list = OrdersList()
        let query = list.restart(clearRows: true)
        list.receive([Self.emptyOrder] + Fixture.reservedOrders, for: query)
        #expect(list.rows.map(\.orderID) == ["1042", "1038", "977"])
    }

    @Test func ordersAnswerForOldFilterDropped() {
        var model = Fixture.model(Fixture.state())
        _ = model.press([.function(11)])
        let allQuery = OrdersQuery(phases: nil, search: nil, limit: OrdersList.pageSize, generation: model.orders.generation)
        _ = model.press([.character("f")])
        #expect(model.orders.filter == .reserved)
        let entering = OrderSummary(orderID: "2", phase: .assembling, mode: .payNow, total: Money(minorUnits: 450),
                                    created: Fixture.context.now, updated: Fixture.context.now, desk: "desk-1",
                                    firstLineDescription: "Tea", transactionID: nil, transactionStatus: nil)

        // Rows for the all filter never fill the reserved list, whichever generation they carry.
        model.ordersLoaded([entering] + Fixture.reservedOrders, for: allQuery)
        #expect(model.orders.rows.isEmpty)
        var relabelled = allQuery
        relabelled.generation = model.orders.generation
        model.ordersLoaded([entering] + Fixture.reservedOrders, for: relabelled)
        #expect(model.orders.rows.isEmpty)
        #expect(model.orders.isLoading)

        let reservedQuery = OrdersQuery(phases: [.reserved], search: nil, limit: OrdersList.pageSize, generation: model.orders.generation)
        model.ordersLoaded(Fixture.reservedOrders, for: reservedQuery)
        #expect(model.orders.rows.map(\.orderID) == ["1042", "1038", "977"])
        #expect(model.orders.isLoading == false)
    }

    @Test func pagingPastHiddenEmptyOrders() {
        var list = OrdersList()
        let first = list.restart(clearRows: true)
        let page = Fixture.reservedOrders + Array(repeating: Self.emptyOrder, count: OrdersList.pageSize - Fixture.reservedOrders.count)
        list.receive(page, for: first)
        #expect(list.rows.count == Fixture.reservedOrders.count)
        #expect(list.hasMore)
        let next = list.move(by: 1)
        #expect(next?.limit == 2 * OrdersList.pageSize)
    }

    static let emptyOrder = OrderSummary(orderID: "9", phase: .assembling, mode: .reserveThenSettle, total: nil,
                                         created: Fixture.context.now, updated: Fixture.context.now, desk: "desk-1",
                                         firstLineDescription: nil, transactionID: nil, transactionStatus: nil)

    @Test func playCustomerOffOutsideSandbox() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url), canPlayCustomer: false)
        #expect(model.press([.function(8)]) == [])
        #expect(model.localNotice?.isProblem == true)
    }

    @Test func newOrderResetsFields() {
        var model = Fixture.model(Fixture.state(.awaitingReturn, lines: [Fixture.widget], url: Fixture.url))
        _ = model.type("half a uri")
        var next = Fixture.state()
        next.orderID = "ORD-0002"
        model.apply(next)
        #expect(model.returnURI.isEmpty)
        #expect(model.focus == .description)
    }

    @Test func toggleModeAndRemoveLine() {
        var model = Fixture.model(Fixture.state(.assembling, lines: [Fixture.widget, Fixture.tea]))
        #expect(model.press([.control("t")]) == ["setMode(reserve)"])
        #expect(model.press([.function(3)]) == ["removeLine(1)"])
    }

    @Test func tabCyclesFocus() {
        var model = Fixture.model(Fixture.state())
        var seen: [Focus] = []
        for _ in 0..<5 {
            _ = model.press([.tab])
            seen.append(model.focus)
        }
        #expect(seen == [.quantity, .unitPrice, .returnURI, .actions, .description])
        _ = model.press([.backTab])
        #expect(model.focus == .actions)
    }
}

@Suite struct TextFieldTests {
    init() { #expect(utf8LocaleReady) }

    @Test func editing() {
        var field = TextField("abc")
        field.moveLeft()
        field.insert("X")
        #expect(field.text == "abXc")
        field.deleteBackward()
        field.deleteForward()
        #expect(field.text == "ab")
        field.moveToStart()
        field.deleteBackward()
        #expect(field.text == "ab")
    }

    @Test func longTextShowsTailWithCursorAtEnd() {
        let field = TextField(String(repeating: "a", count: 50) + "END")
        let visible = field.visible(columns: 10)
        #expect(visible.text.hasPrefix("…"))
        #expect(visible.text.hasSuffix("END"))
        #expect(TextWidth.width(of: visible.text) <= 10)
        #expect(visible.cursorColumn == TextWidth.width(of: visible.text))
    }

    @Test func shortTextShownWhole() {
        var field = TextField("東京")
        field.moveLeft()
        let visible = field.visible(columns: 10)
        #expect(visible.text == "東京")
        #expect(visible.cursorColumn == 2)
    }
}

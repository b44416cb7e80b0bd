import Checkout
import FPSClient
import Foundation

extension ConsoleModel {
    /// Applies one key and returns what the event loop must do next.
    mutating func handle(_ key: Key, now: Date = Date()) -> [ConsoleEffect] {
        lastActivity = now
        if pasteBuffer != nil { return continuePaste(with: key) }
        switch key {
        case .pasteBegin:
            pasteBuffer = ""
            return []
        case .pasteEnd, .resize:
            return []
        default:
            break
        }

        localNotice = nil
        if isLocked { return handleLockedKey(key, now: now) }
        if isScreenTooSmall, let effects = handleKeyWhileTooSmall(key, now: now) { return effects }
        // The lock's Ctrl key works over a dialog too, which waits behind the lock unanswered.
        if overlay != nil, !key.typesText, KeyTable.command(for: key, scope: .everywhere, focusIsTextField: true) == .lock {
            return lock(now: now)
        }
        if overlay != nil { return handleOverlayKey(key) }
        if verifiesCustomerReturn, let effects = handleKeyWhileWaitingForCustomer(key, now: now) { return effects }
        let typing = screen == .orders ? orders.isEditingSearch : focus.isTextField
        if let command = KeyTable.command(for: key, scope: screen.keyScope, focusIsTextField: typing) {
            return run(command, now: now)
        }
        switch screen {
        case .checkout:
            if focus.isTextField {
                var edited = false
                updateField(focus) { edited = $0.edit(with: key) }
                if edited, focus != .returnURI { fieldNotice = nil }
            }
        case .orders:
            return editSearch(with: key)
        }
        return []
    }

    /// Below the minimum size keys work as usual, so type-ahead from before a resize is kept.
    /// The exception is a money confirmation, whose restated amount the clerk cannot see: it
    /// takes no `y` until the window is large enough again, and other keys still close it as No.
    private mutating func handleKeyWhileTooSmall(_ key: Key, now: Date) -> [ConsoleEffect]? {
        guard let overlay, overlay.movesMoney, key == .character("y") || key == .character("Y") else { return nil }
        localNotice = LocalNotice(text: "Enlarge the window to see the amount before confirming.", isProblem: true)
        return []
    }

    /// While the return URI from the sandbox customer is awaited, discards every key but
    /// Esc and the help, quit, lock, redraw and theme keys, and names the discarded keys in
    /// the notice. They were typed for an order the clerk has not seen authorized yet, so a
    /// later money confirmation must not pick them up. Esc stops the wait. Returns nil for a
    /// key that is handled as usual.
    private mutating func handleKeyWhileWaitingForCustomer(_ key: Key, now: Date) -> [ConsoleEffect]? {
        let command = KeyTable.command(for: key, scope: screen.keyScope, focusIsTextField: true)
        if command == .cancel {
            verifiesCustomerReturn = false
            discardedKeys = []
            localNotice = LocalNotice(text: "The return URI will not be verified on arrival; press Enter when it is in its field.",
                                      isProblem: false)
            return []
        }
        if let command, [.help, .quit, .lock, .redraw, .cycleTheme].contains(command) { return nil }
        discardedKeys.append(key.displayName)
        localNotice = LocalNotice(text: "Waiting for the sandbox customer… \(Self.ignoredKeysSentence(discardedKeys)) Esc stops waiting.",
                                  isProblem: true)
        return []
    }

    /// Treats Ctrl-C (SIGINT) like the quit key, unless the quit question is already up.
    mutating func interrupt() -> [ConsoleEffect] {
        if overlay == .confirmQuit { return [] }
        if isLocked {
            localNotice = LocalNotice(text: "The console is locked. Press Enter to unlock, then quit.", isProblem: true)
            return []
        }
        overlay = nil
        return run(.quit, now: Date())
    }

    // MARK: - Commands

    mutating func run(_ command: ConsoleCommand, now: Date) -> [ConsoleEffect] {
        switch command {
        case .help:
            overlay = .help(scroll: 0)
        case .redraw:
            return [.clearAndRedraw]
        case .quit:
            if orderIsOpen {
                overlay = .confirmQuit
                return []
            }
            return [.quit]
        case .showOrders:
            return screen == .orders ? closeOrders() : openOrders()
        case .cycleTheme:
            return [.cycleTheme]
        case .lock:
            return lock(now: now)
        default:
            break
        }
        switch screen {
        case .checkout: return runOnCheckout(command, now: now)
        case .orders: return runOnOrders(command)
        }
    }

    private mutating func runOnCheckout(_ command: ConsoleCommand, now: Date) -> [ConsoleEffect] {
        switch command {
        case .nextField:
            moveFocus(by: 1)
        case .previousField:
            moveFocus(by: -1)
        case .submit:
            return submit(now: now)
        case .moveUp:
            if focus == .actions { selectedAction = max(0, selectedAction - 1) } else { moveFocus(by: -1) }
        case .moveDown:
            if focus == .actions { selectedAction = min(ActionsPane.actions.count - 1, selectedAction + 1) } else { moveFocus(by: 1) }
        case .cancel:
            if focus.isTextField {
                updateField(focus) { $0.clear() }
                if focus != .returnURI { fieldNotice = nil }
            }
        case .buildURL, .removeLastLine, .toggleMode, .pay, .reserve, .settle, .refund, .cancelOrder, .refreshStatus,
             .playCustomer, .newOrder, .copyURL, .toggleQRCode:
            return runCheckoutCommand(command, now: now)
        default:
            break
        }
        return []
    }

    private mutating func runCheckoutCommand(_ command: ConsoleCommand, now: Date) -> [ConsoleEffect] {
        // A typed line still on its way to the checkout is not in `state` yet, so F2 pressed
        // right after Enter would be refused here. The checkout runs intents in order and
        // checks them itself, so these two go straight to it.
        if pendingLine != nil, command == .buildURL {
            return [.send(.buildURL)]
        }
        if pendingLine != nil, command == .toggleMode {
            return [.send(.setMode(state.mode == .payNow ? .reserveThenSettle : .payNow))]
        }
        let availability = KeyTable.availability(of: command, state: state, canPlayCustomer: canPlayCustomer)
        guard availability.allowed else {
            localNotice = LocalNotice(text: availability.reason, isProblem: true)
            return []
        }
        switch command {
        case .buildURL:
            return [.send(.buildURL)]
        case .removeLastLine:
            return [.send(.removeLine(index: state.lines.count - 1))]
        case .toggleMode:
            return [.send(.setMode(state.mode == .payNow ? .reserveThenSettle : .payNow))]
        case .pay:
            overlay = .confirmPay
        case .reserve:
            overlay = .confirmReserve
        case .settle:
            overlay = .settleAmount(TextField(), problem: nil)
        case .refund:
            // A refund whose outcome is unknown is sent again as it was, so no amount is asked.
            overlay = state.unresolvedRefund == nil ? .refundAmount(TextField(), problem: nil) : .confirmRefund(amount: nil)
        case .cancelOrder:
            overlay = .confirmCancel
        case .refreshStatus:
            return [.send(.refreshStatus)]
        case .playCustomer:
            if playingCustomerSince != nil {
                localNotice = LocalNotice(text: "The sandbox customer is already approving this URL.", isProblem: true)
                return []
            }
            guard let url = state.cbuiURL else { return [] }
            playingCustomerSince = now
            return [.playCustomer(cbuiURL: url)]
        case .newOrder:
            return [.send(.newOrder)]
        case .copyURL:
            guard let url = state.cbuiURL else { return [] }
            localNotice = LocalNotice(text: "Copied to the clipboard (OSC 52; your terminal must allow it).", isProblem: false)
            return [.copyToClipboard(url)]
        case .toggleQRCode:
            overlay = .qrCode
        default:
            break
        }
        return []
    }

    private mutating func moveFocus(by step: Int) {
        let ring = Focus.allCases
        let index = ring.firstIndex(of: focus) ?? 0
        focus = ring[(index + step + ring.count) % ring.count]
    }

    private mutating func submit(now: Date) -> [ConsoleEffect] {
        switch focus {
        case .description:
            focus = .quantity
        case .quantity:
            focus = .unitPrice
        case .unitPrice:
            let line = PendingLine(description: description.text, quantity: quantity.text, unitPrice: unitPrice.text,
                                   lineCountBefore: state.lines.count)
            fieldNotice = nil
            pendingLine = line
            description.clear()
            quantity.clear()
            unitPrice.clear()
            focus = .description
            return [.send(.addLine(description: line.description, quantity: line.quantity, unitPrice: line.unitPrice))]
        case .returnURI:
            let uri = returnURI.text.trimmingCharacters(in: .whitespaces)
            if uri.isEmpty, playingCustomerSince != nil {
                verifiesCustomerReturn = true
                discardedKeys = []
                localNotice = LocalNotice(text: "Waiting for the sandbox customer… The return URI is verified when it arrives.",
                                          isProblem: false)
                return []
            }
            if uri.isEmpty {
                localNotice = LocalNotice(text: "Paste the return URI from the customer's browser first.", isProblem: true)
                return []
            }
            return [.send(.submitReturnURI(uri))]
        case .actions:
            return run(ActionsPane.actions[selectedAction].command, now: now)
        }
        return []
    }

    // MARK: - Paste

    private mutating func continuePaste(with key: Key) -> [ConsoleEffect] {
        switch key {
        case .pasteEnd:
            finishPaste()
        case .character(let character):
            pasteBuffer?.append(character)
        default:
            // Line breaks and tabs inside a paste are dropped: every field is one line.
            break
        }
        return []
    }

    private mutating func finishPaste() {
        let text = pasteBuffer ?? ""
        pasteBuffer = nil
        guard !text.isEmpty, !isLocked else { return }
        if screen == .orders {
            pasteIntoSearch(text)
            return
        }
        if !focus.isTextField {
            guard state.phase == .awaitingReturn else {
                localNotice = LocalNotice(text: "Pasted text goes into a text field; press Tab to reach one.", isProblem: true)
                return
            }
            focus = .returnURI
        }
        updateField(focus) { $0.insert(text) }
        if focus != .returnURI { fieldNotice = nil }
    }

    // MARK: - Overlays

    private mutating func handleOverlayKey(_ key: Key) -> [ConsoleEffect] {
        guard let current = overlay else { return [] }
        switch current {
        case .help(let scroll):
            switch key {
            case .up, .character("k"): overlay = .help(scroll: max(0, scroll - 1))
            case .down, .character("j"): overlay = .help(scroll: scroll + 1)
            case .pageUp: overlay = .help(scroll: max(0, scroll - 10))
            case .pageDown: overlay = .help(scroll: scroll + 10)
            case .escape, .enter, .function(1), .character("?"), .character("q"), .function(10): overlay = nil
            default: break
            }
        case .qrCode:
            // The QR view closes on its own keys, Esc or Enter, and copies on the copy keys.
            // Other keys are ignored, so a stray letter cannot act on an order the clerk cannot see.
            switch key {
            case .escape, .enter, .control("e"), .character("v"), .character("q"), .function(10):
                overlay = nil
            case _ where KeyTable.binding(for: .copyURL).keys.contains(key):
                return runCheckoutCommand(.copyURL, now: Date())
            default:
                break
            }
        case .confirmQuit:
            overlay = nil
            if isYes(key) { return [.quit] }
        case .confirmPay:
            overlay = nil
            if isYes(key) { return [.send(.pay)] }
            localNotice = LocalNotice(text: "Pay cancelled; nothing was charged.", isProblem: false)
        case .confirmReserve:
            overlay = nil
            if isYes(key) { return [.send(.reserve)] }
            localNotice = LocalNotice(text: "Reserve cancelled; nothing was held.", isProblem: false)
        case .settleAmount(var field, let problem):
            handleAmountKey(key, field: &field, problem: problem, limit: nil,
                            prompt: { .settleAmount($0, problem: $1) }, confirm: { .confirmSettle(amount: $0) })
        case .confirmSettle(let amount):
            overlay = nil
            if isYes(key) { return [.send(.settle(amount: amount))] }
            localNotice = LocalNotice(text: "Settle cancelled; nothing was captured.", isProblem: false)
        case .refundAmount(var field, let problem):
            handleAmountKey(key, field: &field, problem: problem, limit: state.refundable,
                            prompt: { .refundAmount($0, problem: $1) }, confirm: { .confirmRefund(amount: $0) })
        case .confirmRefund(let amount):
            overlay = nil
            if isYes(key) { return [.send(.refund(amount: amount))] }
            localNotice = LocalNotice(text: "Refund cancelled; nothing was returned.", isProblem: false)
        case .confirmCancel:
            overlay = nil
            if isYes(key) { return [.send(.cancel)] }
            localNotice = LocalNotice(text: "Cancel not sent; the order is unchanged.", isProblem: false)
        }
        return []
    }

    /// Edits the amount field of a Settle or Refund prompt. Enter with an empty field confirms
    /// the full amount; a typed amount must parse and stay within `limit` when one is given.
    private mutating func handleAmountKey(_ key: Key, field: inout TextField, problem: String?, limit: Money?,
                                          prompt: (TextField, String?) -> Overlay, confirm: (String?) -> Overlay) {
        switch key {
        case .escape:
            overlay = nil
        case .enter:
            let text = field.text.trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                overlay = confirm(nil)
                return
            }
            do {
                let amount = try Money.parse(text)
                if let limit, amount.minorUnits > limit.minorUnits {
                    overlay = prompt(field, "\(amount) is more than the \(limit) that can still be refunded.")
                    return
                }
                overlay = confirm(text)
            } catch {
                overlay = prompt(field, error.description)
            }
        default:
            let edited = field.edit(with: key)
            overlay = prompt(field, edited ? nil : problem)
        }
    }

    /// Only `y` confirms a money movement or quitting: Enter and every other key mean no.
    private func isYes(_ key: Key) -> Bool {
        key == .character("y") || key == .character("Y")
    }
}

import Checkout
import FPSClient
import Foundation

extension ConsoleModel {
    /// Applies one key and returns what the event loop must do next.
    mutating func handle(_ key: Key, now: Date = Date()) -> [ConsoleEffect] {
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
        if overlay != nil { return handleOverlayKey(key) }
        if let command = KeyTable.command(for: key, focusIsTextField: focus.isTextField) {
            return run(command, now: now)
        }
        if focus.isTextField {
            var edited = false
            updateField(focus) { edited = $0.edit(with: key) }
            if edited, focus != .returnURI { fieldNotice = nil }
        }
        return []
    }

    /// Treats Ctrl-C (SIGINT) like the quit key, unless the quit question is already up.
    mutating func interrupt() -> [ConsoleEffect] {
        if overlay == .confirmQuit { return [] }
        overlay = nil
        return run(.quit, now: Date())
    }

    // MARK: - Commands

    mutating func run(_ command: ConsoleCommand, now: Date) -> [ConsoleEffect] {
        switch command {
        case .help:
            overlay = .help(scroll: 0)
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
        case .redraw:
            return [.clearAndRedraw]
        case .quit:
            if orderIsOpen {
                overlay = .confirmQuit
                return []
            }
            return [.quit]
        case .cancel:
            if focus.isTextField {
                updateField(focus) { $0.clear() }
                if focus != .returnURI { fieldNotice = nil }
            }
        case .buildURL, .removeLastLine, .toggleMode, .pay, .reserve, .settle, .refreshStatus, .playCustomer, .newOrder:
            return runCheckoutCommand(command, now: now)
        }
        return []
    }

    private mutating func runCheckoutCommand(_ command: ConsoleCommand, now: Date) -> [ConsoleEffect] {
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
        guard !text.isEmpty else { return }
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
            return handleSettleAmountKey(key, field: &field, problem: problem)
        case .confirmSettle(let amount):
            overlay = nil
            if isYes(key) { return [.send(.settle(amount: amount))] }
            localNotice = LocalNotice(text: "Settle cancelled; nothing was captured.", isProblem: false)
        }
        return []
    }

    private mutating func handleSettleAmountKey(_ key: Key, field: inout TextField, problem: String?) -> [ConsoleEffect] {
        switch key {
        case .escape:
            overlay = nil
        case .enter:
            let text = field.text.trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                overlay = .confirmSettle(amount: nil)
                return []
            }
            do {
                _ = try Money.parse(text)
                overlay = .confirmSettle(amount: text)
            } catch {
                overlay = .settleAmount(field, problem: error.description)
            }
        default:
            let edited = field.edit(with: key)
            overlay = .settleAmount(field, problem: edited ? nil : problem)
        }
        return []
    }

    /// Only `y` confirms a money movement or quitting: Enter and every other key mean no.
    private func isYes(_ key: Key) -> Bool {
        key == .character("y") || key == .character("Y")
    }
}

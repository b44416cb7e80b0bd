import FPSClient
import Foundation
import Ledger

/// Order entry, the CBUI URL and the return URI: everything before money moves.
extension CheckoutSession {
    /// Largest quantity on one line.
    static let maximumQuantity: Int64 = 9999

    /// Phases in which lines and mode may change. A change after the URL was signed returns
    /// the order to `assembling`, because the signed amount and mode no longer match.
    static let editablePhases: Set<CheckoutPhase> = [.assembling, .awaitingReturn, .authorized, .failed]

    /// Phases a restarted session resumes instead of starting a new order. Reserved,
    /// finished and failed orders wait in the order list.
    static let resumablePhases: [CheckoutPhase] = [.assembling, .awaitingReturn, .authorized, .paying, .reserving,
                                                   .settling, .pending, .refunding, .cancelling]

    // MARK: Starting and loading orders

    /// Loads the desk's latest unfinished order, or creates one, and queues the recovery of
    /// every call of this desk that has no recorded outcome.
    func resumeOrStart() {
        do {
            let latest = try ledger.listOrders(phases: Self.resumablePhases.map(\.rawValue), desk: configuration.desk, limit: 1)
            if let order = latest.first {
                let detail = try ledger.loadOrder(order.id)
                try show(detail, notice: "Resumed order \(order.id) from the ledger.", problem: false)
            } else {
                let detail = try ledger.loadOrder(try createOrder(mode: .payNow).id)
                try show(detail, notice: nil, problem: false)
            }
        } catch {
            reject("The ledger could not be read: \(error). Check the ledger file; the next step tries again.")
        }
        recoverAtStart()
    }

    /// Returns the order's Pay or Reserve whose outcome is unknown, if any. While one exists,
    /// the order's authorization and amount must not change: a new URL would bring a new token
    /// and reference, and the endpoint could then charge both.
    func unresolvedPayment(orderNumber: Int64) -> JournalEntry? {
        let open = (try? ledger.journal(orderID: orderNumber, unfinishedOnly: true)) ?? []
        return open.last { $0.action == "Pay" || $0.action == "Reserve" }
    }

    /// Sets a notice and returns true when `unresolvedPayment` blocks a change of the order.
    func rejectIfPaymentUnresolved(orderNumber: Int64) -> Bool {
        guard let entry = unresolvedPayment(orderNumber: orderNumber) else { return false }
        reject("Order \(orderNumber) has a \(entry.action) whose outcome is unknown, so its authorization and lines cannot change. Press \(entry.action) to send it again with the same reference (it cannot charge twice), or start a new order.")
        return true
    }

    func createOrder(mode: ChargeMode) throws -> LedgerOrder {
        let desk = configuration.desk
        return try ledger.createOrder(desk: desk, phase: CheckoutPhase.assembling.rawValue, mode: mode.rawValue,
                                      currency: "USD") { id in Self.makeCallerReference(desk: desk, orderID: id) }
    }

    /// Returns the current order's ledger id, creating the order first when an earlier ledger
    /// failure left the session without one.
    func currentOrderNumber() -> Int64? {
        if let number = context.orderNumber { return number }
        do {
            let detail = try ledger.loadOrder(try createOrder(mode: state.mode).id)
            try show(detail, notice: nil, problem: false)
            return detail.order.id
        } catch {
            reject("The ledger could not create an order: \(error). Check the ledger file, then try again.")
            return nil
        }
    }

    /// Replaces the state with an order loaded from the ledger.
    func show(_ detail: LedgerOrderDetail, notice: String?, problem: Bool) throws {
        let order = detail.order
        let phase = CheckoutPhase(rawValue: order.phase) ?? .assembling
        let currency = order.currency
        let showsTransaction: Set<CheckoutPhase> = [.paying, .reserving, .pending, .reserved, .settling, .succeeded, .failed,
                                                    .refunding, .cancelling, .cancelled]
        let transaction = showsTransaction.contains(phase) ? detail.latestTransaction : nil
        let view = transaction.map { stored in
            TransactionView(transactionID: stored.transactionID, status: TransactionStatus(wire: stored.status) ?? .pending,
                            statusCode: stored.statusCode, lastUpdate: stored.updated)
        }
        update { state, context in
            state.orderID = String(order.id)
            state.phase = phase
            state.mode = ChargeMode(rawValue: order.mode) ?? .payNow
            state.lines = detail.lines.map { line in
                OrderLine(description: line.description, quantity: line.quantity,
                          unitPrice: Money(minorUnits: line.unitPriceMinor, currency: currency))
            }
            state.callerReference = order.callerReference
            state.cbuiURL = phase == .assembling ? nil : detail.cbuiURL
            state.tokenID = phase == .assembling || phase == .awaitingReturn ? nil : detail.token?.tokenID
            state.transaction = view
            state.notice = notice
            state.noticeIsProblem = problem
            state.busyStep = nil
            state.transactionAction = transaction.map { Self.action(for: $0.kind) }
            state.charged = detail.chargedMinor.map { Money(minorUnits: $0, currency: currency) }
            state.refunds = Self.refundViews(detail.refunds)
            context = OrderContext(orderNumber: order.id, currency: currency, transactionKind: transaction?.kind)
        }
    }

    static func action(for kind: LedgerTransactionKind) -> CheckoutAction {
        switch kind {
        case .pay: return .pay
        case .reserve: return .reserve
        case .settle: return .settle
        case .cancel: return .cancel
        }
    }

    /// Starts a new order in Pay now, so a Reserve never carries over to the next customer.
    /// An order with no lines and no URL is reused instead, so repeated presses leave no
    /// empty orders behind in the ledger.
    func newOrder() {
        let availability = state.availability(of: .newOrder)
        guard availability.allowed else { return reject(availability.reason) }
        if state.isEmptyOrder, let orderNumber = context.orderNumber {
            return reuseEmptyOrder(orderNumber)
        }
        let previous = state.orderID
        do {
            let detail = try ledger.loadOrder(try createOrder(mode: .payNow).id)
            let keptNote = previous.isEmpty ? "" : " Order \(previous) stays in the ledger."
            try show(detail, notice: "Started order \(detail.order.id).\(keptNote)", problem: false)
        } catch {
            reject("The ledger could not create a new order: \(error). The current order is unchanged.")
        }
    }

    /// Keeps the empty order `orderNumber` as the new order and sets it back to Pay now.
    private func reuseEmptyOrder(_ orderNumber: Int64) {
        if state.mode != .payNow {
            do {
                try ledger.setMode(orderID: orderNumber, mode: ChargeMode.payNow.rawValue, phase: nil)
            } catch {
                return reject("The ledger could not save the charge mode: \(error). The order is unchanged.")
            }
        }
        update { state, _ in
            state.mode = .payNow
            state.notice = "Order \(orderNumber) has no lines yet, so it stays the new order, in Pay now."
            state.noticeIsProblem = false
        }
    }

    func open(orderIDText: String) async {
        let text = orderIDText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let orderNumber = Int64(text), orderNumber > 0 else {
            return reject("Order id \"\(text)\" is invalid. Type the number shown in the order list.")
        }
        if isPolling {
            return reject("Wait for order \(state.orderID)'s transaction to reach a final status before opening another order.")
        }
        do {
            let detail = try ledger.loadOrder(orderNumber)
            try show(detail, notice: "Opened order \(orderNumber) (\(detail.order.phase)).", problem: false)
            resumeInterruptedWork(orderNumber: orderNumber)
        } catch LedgerError.orderNotFound {
            reject("Order \(orderNumber) is not in the ledger. Check the number in the order list.")
        } catch {
            reject("The ledger could not load order \(orderNumber): \(error). The current order is unchanged.")
        }
    }

    // MARK: Lines and mode

    func addLine(description rawDescription: String, quantityText: String, unitPriceText: String) {
        let description = rawDescription.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !description.isEmpty else {
            return reject("The description is empty. Type what is sold, such as \"Blue mug\".")
        }
        let quantityInput = quantityText.trimmingCharacters(in: .whitespaces)
        guard !quantityInput.isEmpty, quantityInput.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let quantity = Int64(quantityInput), quantity >= 1, quantity <= Self.maximumQuantity else {
            return reject("Quantity \"\(quantityText)\" is invalid: type a whole number from 1 to \(Self.maximumQuantity).")
        }
        let unitPrice: Money
        do throws(AmountError) {
            unitPrice = try Money.parse(unitPriceText, currency: context.currency)
        } catch {
            return reject("Unit price \"\(error.input)\" is invalid: \(error.reason)")
        }

        let line = OrderLine(description: description, quantity: quantity, unitPrice: unitPrice)
        let lines = state.lines + [line]
        guard checkTotal(of: lines) else { return }
        let lineText = "\(quantity) × \(description) at \(unitPrice)"
        saveLines(lines, done: "Added \(lineText).")
    }

    func removeLine(at index: Int) {
        var lines = state.lines
        guard lines.indices.contains(index) else {
            let range = lines.isEmpty ? "The order has no lines." : "Choose a line from 1 to \(lines.count)."
            return reject("Line \(index + 1) does not exist. \(range)")
        }
        let removed = lines.remove(at: index)
        saveLines(lines, done: "Removed \(removed.quantity) × \(removed.description).")
    }

    func setMode(_ mode: ChargeMode) {
        let current = state
        guard mode != current.mode else { return }
        guard let orderNumber = editableOrderNumber() else { return }
        let resets = current.phase != .assembling
        do {
            try ledger.setMode(orderID: orderNumber, mode: mode.rawValue,
                               phase: resets ? CheckoutPhase.assembling.rawValue : nil)
        } catch {
            return reject("The ledger could not save the charge mode: \(error). The mode is unchanged.")
        }
        let name = mode == .payNow ? "Pay now" : "Reserve, settle later"
        update { state, _ in
            state.mode = mode
            if resets { Self.returnToAssembling(&state) }
            state.notice = resets ? "Mode set to \(name). The signed URL was for the old mode, so build a new URL."
                                  : "Mode set to \(name)."
            state.noticeIsProblem = false
        }
    }

    /// Returns the order id when lines and mode may change now, and otherwise sets a notice.
    private func editableOrderNumber() -> Int64? {
        guard let orderNumber = currentOrderNumber() else { return nil }
        let phase = state.phase
        guard Self.editablePhases.contains(phase) else {
            reject("Order \(orderNumber) can no longer change because it has a transaction (\(phase.rawValue)). Start a new order.")
            return nil
        }
        if rejectIfPaymentUnresolved(orderNumber: orderNumber) { return nil }
        return orderNumber
    }

    /// Rejects `lines` with a notice when their total overflows or exceeds the FPS limit.
    private func checkTotal(of lines: [OrderLine]) -> Bool {
        let limit = Money(minorUnits: Money.maximumMinorUnits, currency: context.currency)
        var total = Money(minorUnits: 0, currency: context.currency)
        for line in lines {
            guard let lineTotal = line.total, let sum = total.plus(lineTotal), sum <= limit else {
                let newTotal = line.total.flatMap { total.plus($0) }.map(\.description) ?? "more than \(limit)"
                reject("The order total would be \(newTotal), above the \(limit) limit for one payment. Lower a quantity or split the order.")
                return false
            }
            total = sum
        }
        return true
    }

    /// Writes `lines` to the ledger, then to the state. A signed order goes back to assembling.
    private func saveLines(_ lines: [OrderLine], done: String) {
        guard let orderNumber = editableOrderNumber() else { return }
        let resets = state.phase != .assembling
        let stored = lines.map { LedgerLine(description: $0.description, quantity: $0.quantity, unitPriceMinor: $0.unitPrice.minorUnits) }
        do {
            try ledger.replaceLines(orderID: orderNumber, lines: stored, phase: resets ? CheckoutPhase.assembling.rawValue : nil)
        } catch {
            return reject("The ledger could not save the lines: \(error). The order is unchanged.")
        }
        update { state, _ in
            state.lines = lines
            if resets { Self.returnToAssembling(&state) }
            state.notice = resets ? "\(done) The order changed after the URL was signed, so build a new URL." : done
            state.noticeIsProblem = false
        }
    }

    private static func returnToAssembling(_ state: inout CheckoutState) {
        state.phase = .assembling
        state.cbuiURL = nil
        state.tokenID = nil
        state.transaction = nil
    }

    // MARK: CBUI URL

    func buildURL() {
        let availability = state.availability(of: .buildURL)
        guard availability.allowed else { return reject(availability.reason) }
        guard let orderNumber = currentOrderNumber() else { return }
        if rejectIfPaymentUnresolved(orderNumber: orderNumber) { return }
        do {
            // The amount comes from the ledger, the record the Pay call will also use.
            let detail = try ledger.loadOrder(orderNumber)
            let order = detail.order
            let amount = Money(minorUnits: order.totalMinor, currency: order.currency)
            // A reference that already signed a URL gets replaced, so a return URI for an
            // older URL of this order no longer matches.
            let reference = detail.cbuiURL == nil ? order.callerReference
                : Self.makeCallerReference(desk: configuration.desk, orderID: orderNumber)
            let mode = ChargeMode(rawValue: order.mode) ?? .payNow
            let url = CBUIPipeline.singleUseURL(
                endpoint: configuration.endpoints.cbui, credentials: configuration.credentials, callerReference: reference,
                returnURL: configuration.returnURL, amount: amount, paymentReason: paymentReason(orderNumber: orderNumber),
                reserve: mode == .reserveThenSettle)
            try ledger.recordCBUIRequest(orderID: orderNumber, callerReference: reference, url: url,
                                         phase: CheckoutPhase.awaitingReturn.rawValue)
            update { state, _ in
                state.phase = .awaitingReturn
                state.callerReference = reference
                state.cbuiURL = url
                state.tokenID = nil
                state.transaction = nil
                state.notice = "The signed URL for \(amount) is ready. Give it to the customer, then paste the return URI."
                state.noticeIsProblem = false
            }
            log(.info, "Signed a CBUI URL for order \(orderNumber): \(amount), callerReference \(reference).")
            audit(.buildURL, outcome: "Signed a CBUI URL, callerReference \(reference), \(mode == .payNow ? "Pay now" : "Reserve").",
                  amount: amount, orderNumber: orderNumber)
        } catch {
            reject("The URL was not built because the ledger failed: \(error). Try again.")
        }
    }

    /// Returns the CBUI `paymentReason`, kept within the 64 characters the 2007 FPS docs allowed.
    private func paymentReason(orderNumber: Int64) -> String {
        String("\(configuration.paymentReasonPrefix) \(orderNumber)".trimmingCharacters(in: .whitespaces).prefix(64))
    }

    /// Generates a fresh CBUI `callerReference`: `fpsc-<desk>-<order id>-<10 random characters>`, at
    /// most 74 characters so the derived Pay and Reserve references stay within FPS's 128.
    static func makeCallerReference(desk: String, orderID: Int64) -> String {
        let deskPart = String(desk.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }.prefix(32))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        let random = String((0..<10).map { _ in alphabet.randomElement(using: &generator)! })
        return "fpsc-\(deskPart)-\(orderID)-\(random)"
    }

    /// Returns the CallerReference of the Pay or Reserve for one authorization. It depends only
    /// on the CBUI reference, so a retry or a restart re-sends the same reference, and FPS
    /// returns the original transaction for it instead of charging again.
    static func paymentReference(cbuiReference: String, kind: LedgerTransactionKind) -> String {
        "\(cbuiReference)-\(kind.rawValue)"
    }

    // MARK: Return URI

    func submitReturnURI(_ rawURI: String) async {
        let current = state
        guard current.phase == .awaitingReturn, let orderNumber = context.orderNumber else {
            let reason = current.phase == .assembling
                ? "Build the URL for the customer first; there is no authorization to check yet."
                : "Order \(current.orderID) is past authorization (\(current.phase.rawValue)), so the return URI was ignored."
            return reject(reason)
        }
        let uri = rawURI.trimmingCharacters(in: .whitespacesAndNewlines)
        update { state, _ in state.busyStep = ("Verifying the return URI", Date()) }
        let result = await authorize(uri, current.callerReference, current.mode == .reserveThenSettle)
        update { state, _ in state.busyStep = nil }

        let authorization: Authorization
        switch result {
        case .failure(let refusal):
            log(.failure, "Return URI rejected for order \(orderNumber): \(refusal.kind.rawValue).")
            return reject(refusal.message, auditAs: .verifyReturn)
        case .success(let value):
            authorization = value
        }

        do {
            try ledger.recordToken(orderID: orderNumber, tokenID: authorization.tokenID,
                                   callerReference: authorization.callerReference, statusCode: authorization.status.rawValue,
                                   expiry: authorization.expiry, phase: CheckoutPhase.authorized.rawValue)
        } catch LedgerError.tokenAlreadyUsed(let owner) {
            let ownerName = owner == orderNumber ? "this order" : "order \(owner)"
            log(.failure, "Return URI rejected for order \(orderNumber): token \(Redaction.secret(authorization.tokenID)) already recorded for \(ownerName).")
            return reject("This return URI's token was already used by \(ownerName). A single-use authorization pays once, so build a new URL.",
                          auditAs: .verifyReturn)
        } catch {
            return reject("The authorization was not saved because the ledger failed: \(error). Paste the return URI again.")
        }

        let next = current.mode == .payNow ? "Press Pay to charge" : "Press Reserve to hold"
        let total = current.total.map(\.description) ?? "the order total"
        update { state, _ in
            state.phase = .authorized
            state.tokenID = authorization.tokenID
            state.notice = "\(authorization.status.meaning) \(next) \(total)."
            state.noticeIsProblem = false
        }
        log(.info, "Return URI verified for order \(orderNumber): status \(authorization.status.rawValue), token \(Redaction.secret(authorization.tokenID)).")
        audit(.verifyReturn, outcome: "Accepted: status \(authorization.status.rawValue).", amount: current.total, orderNumber: orderNumber)
    }
}

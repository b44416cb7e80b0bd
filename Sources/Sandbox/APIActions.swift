import Foundation
import FPSClient

/// Pay, Reserve, Settle and GetTransactionStatus, and the helpers the other actions share. Each
/// handler checks its parameters first, then CallerReference idempotency, token or transaction
/// state, and amounts, in that order.
extension APIService {
    /// A reservation that is not settled within this time expires (FPS: 7 days).
    static let reserveLifetime: TimeInterval = 7 * 24 * 3600

    /// How long a CallerReference is remembered for replays (FPS: 7 days per caller).
    static let idempotencyLifetime: TimeInterval = 7 * 24 * 3600

    /// Parameters that may differ between a request and its replay: the signature and
    /// envelope fields change with every send, the rest must match.
    static let envelopeParameters: Set<String> = [
        "Signature", "SignatureMethod", "SignatureVersion", "Timestamp", "AWSAccessKeyId", "Version",
    ]

    func pay(_ request: APIRequest) throws(APIError) -> [ResultField] {
        try transfer(request, operation: .pay)
    }

    func reserve(_ request: APIRequest) throws(APIError) -> [ResultField] {
        try transfer(request, operation: .reserve)
    }

    func settle(_ request: APIRequest) throws(APIError) -> [ResultField] {
        let transactionID = try request.text("ReserveTransactionId", required: true, maximumLength: 35)!
        let requested = try request.amount("TransactionAmount", required: false)
        let now = request.now

        let record = try inTransaction { () throws(APIError) -> TransactionRecord in
            var record = try loadTransaction(transactionID, callerKey: request.callerKey, now: now)
            guard record.operation == .reserve, record.status == .reserved else {
                throw .business("InvalidTransactionState", settleStateMessage(record))
            }
            let amount = requested?.value ?? record.amount
            if let requested { try Self.checkCurrency(requested.currency, name: "TransactionAmount.CurrencyCode") }
            guard amount.minorUnits > 0 else {
                throw .business("AmountOutOfRange", "TransactionAmount.Value must be at least 0.01.")
            }
            guard amount.minorUnits <= record.amount.minorUnits else {
                throw .business("SettleAmountGreaterThanReserveAmount",
                                "The settle amount \(amount) is greater than the reserved amount \(record.amount).")
            }
            record.settledAmount = amount
            record.updatedAt = now
            if pendingSeconds > 0 {
                record.status = .pending
                record.statusCode = "PendingNetworkResponse"
                record.pendingTarget = .success
                record.pendingUntil = now.addingTimeInterval(pendingSeconds)
            } else {
                record.status = .success
                record.statusCode = "Success"
            }
            try perform { try store.update(record) }
            return record
        }
        // Settle returns the reserve's own TransactionId.
        return [ResultField("TransactionId", record.transactionID), ResultField("TransactionStatus", record.status.rawValue)]
    }

    func getTransactionStatus(_ request: APIRequest) throws(APIError) -> [ResultField] {
        let transactionID = try request.text("TransactionId", required: true, maximumLength: 35)!
        // A status read writes only when a scheduled change has come due, so the usual case is a
        // plain read on a read connection, without the write lock. Otherwise, and for an unknown
        // id, the write transaction reads again and applies the change.
        let current = try perform { try store.transactionForReading(id: transactionID) }
        let record: TransactionRecord
        if let current, current.callerKey == request.callerKey, Self.dueChange(current, now: request.now) == nil {
            record = current
        } else {
            record = try inTransaction { () throws(APIError) -> TransactionRecord in
                try loadTransaction(transactionID, callerKey: request.callerKey, now: request.now)
            }
        }
        return [
            ResultField("TransactionId", record.transactionID),
            ResultField("TransactionStatus", record.status.rawValue),
            ResultField("CallerReference", record.callerReference),
            ResultField("StatusCode", record.statusCode),
            ResultField("StatusMessage", Self.statusMessage(record)),
        ]
    }

    // MARK: Pay and Reserve

    private func transfer(_ request: APIRequest, operation: TransactionOperation) throws(APIError) -> [ResultField] {
        let tokenID = try request.text("SenderTokenId", required: true, maximumLength: 128)!
        let callerReference = try request.text("CallerReference", required: true, maximumLength: 128)!
        let requested = try request.amount("TransactionAmount", required: true)!
        _ = try request.text("CallerDescription", required: false, maximumLength: 160)
        // NOTE: FPS never stated a limit for SenderDescription; 160 matches CallerDescription.
        _ = try request.text("SenderDescription", required: false, maximumLength: 160)
        _ = try request.choice("ChargeFeeTo", allowed: ["Recipient", "Caller"])
        _ = try request.choice("DescriptorPolicy.SoftDescriptorType", allowed: ["Static", "Dynamic"])
        _ = try request.choice("DescriptorPolicy.CSOwner", allowed: ["Recipient", "Caller"])
        if let timeout = request.optional("TransactionTimeoutInMins"), Int(timeout).map({ $0 > 0 }) != true {
            throw .invalidParams("TransactionTimeoutInMins must be a positive whole number of minutes; got \(APIRequest.quoted(timeout)).")
        }
        let fingerprint = Self.fingerprint(request)
        let now = request.now

        let record = try inTransaction { () throws(APIError) -> TransactionRecord in
            if let replayed = try replay(request, callerReference: callerReference, fingerprint: fingerprint) {
                return replayed
            }
            let token = try usableToken(tokenID, request: request, operation: operation)

            try Self.checkCurrency(requested.currency, name: "TransactionAmount.CurrencyCode")
            guard requested.value.minorUnits > 0 else {
                throw .business("AmountOutOfRange", "TransactionAmount.Value must be at least 0.01.")
            }
            guard requested.value.minorUnits <= token.amount.minorUnits else {
                throw .business("AmountOutOfRange",
                                "The amount \(requested.value) is greater than the \(token.amount) the sender authorized for this token.")
            }

            let record = try newTransaction(operation: operation, request: request, token: token,
                                            amount: requested.value, callerReference: callerReference)
            try perform {
                try store.insert(record)
                try store.markTokenUsed(token.tokenID, by: record.transactionID)
                try store.rememberIdempotency(callerKey: request.callerKey, callerReference: callerReference,
                                              action: request.action, fingerprint: fingerprint,
                                              transactionID: record.transactionID, at: now)
            }
            return record
        }
        return [ResultField("TransactionId", record.transactionID), ResultField("TransactionStatus", record.status.rawValue)]
    }

    /// Returns the original transaction when this request repeats an earlier one with the same
    /// CallerReference, and throws DuplicateRequest when the reference came with other parameters.
    func replay(_ request: APIRequest, callerReference: String, fingerprint: String) throws(APIError) -> TransactionRecord? {
        guard let entry = try perform({ try store.idempotencyEntry(callerKey: request.callerKey, callerReference: callerReference) }),
              request.now.timeIntervalSince(entry.createdAt) < Self.idempotencyLifetime
        else { return nil }
        guard entry.action == request.action, entry.fingerprint == fingerprint else {
            throw .business("DuplicateRequest",
                            "CallerReference \(APIRequest.quoted(callerReference)) was already used with different parameters (by \(entry.action) transaction \(entry.transactionID)). Use a new CallerReference for a new request.")
        }
        // The replay reports the transaction's current status, not the one first returned.
        return try loadTransaction(entry.transactionID, callerKey: request.callerKey, now: request.now)
    }

    private func usableToken(_ tokenID: String, request: APIRequest, operation: TransactionOperation) throws(APIError) -> TokenRecord {
        guard let token = try perform({ try store.token(id: tokenID) }), token.callerKey == request.callerKey else {
            throw .business("InvalidTokenId_Sender", "The sender token \(Redaction.secret(tokenID)) is not a token this caller installed.")
        }
        guard token.cancelledAt == nil else {
            throw .business("TokenNotActive_Sender", "The sender token \(Redaction.secret(tokenID)) was cancelled with CancelToken. Ask the buyer to authorize again.")
        }
        guard !token.used else {
            throw .business("TokenUsageError", "The single-use sender token \(Redaction.secret(tokenID)) was already used. Ask the buyer to authorize again.")
        }
        guard request.now < token.expiresAt else {
            throw .business("TokenNotActive_Sender", "The sender token \(Redaction.secret(tokenID)) expired at \(ISO8601Timestamp.format(token.expiresAt)). Ask the buyer to authorize again.")
        }
        if operation == .pay && token.reserve {
            throw .business("IncompatibleTokens", "The sender token was authorized for Reserve and Settle (reserve=True); it cannot be used with Pay.")
        }
        if operation == .reserve && token.paymentMethod != .creditCard {
            throw .business("PaymentInstrumentNotCC", "Reserve needs a credit card, but the sender chose \(token.paymentMethod.rawValue) for this token.")
        }
        return token
    }

    private func newTransaction(operation: TransactionOperation, request: APIRequest, token: TokenRecord,
                                amount: Money, callerReference: String) throws(APIError) -> TransactionRecord {
        let now = request.now
        let finalStatus: TransactionStatus = operation == .pay ? .success : .reserved
        let pending = pendingSeconds > 0
        let status: TransactionStatus = pending ? .pending : finalStatus
        return TransactionRecord(
            transactionID: try perform { try SecureRandom.alphanumeric(35) },
            callerKey: request.callerKey, operation: operation, callerReference: callerReference,
            tokenID: token.tokenID, paymentMethod: token.paymentMethod, amount: amount, settledAmount: nil,
            status: status,
            statusCode: Self.statusCode(status, operation: operation, settled: false),
            pendingTarget: pending ? finalStatus : nil,
            pendingUntil: pending ? now.addingTimeInterval(pendingSeconds) : nil,
            reserveExpiresAt: operation == .reserve ? now.addingTimeInterval(Self.reserveLifetime) : nil,
            createdAt: now, updatedAt: now)
    }

    // MARK: Shared helpers

    /// Loads a transaction of this caller and applies any status change that has come due.
    func loadTransaction(_ id: String, callerKey: String, now: Date) throws(APIError) -> TransactionRecord {
        guard var record = try perform({ try store.transaction(id: id) }), record.callerKey == callerKey else {
            throw .business("InvalidTransactionId", "The transaction \(APIRequest.quoted(id)) does not exist for this caller.")
        }
        while let next = Self.dueChange(record, now: now) {
            record = next
            try perform { try store.update(record) }
        }
        return record
    }

    /// Returns the record after its next scheduled change, or nil when none is due at `now`.
    /// Changes are evaluated when a transaction is read, so no timer is needed, and each change
    /// is stamped with the time it was due, not the time it was noticed.
    static func dueChange(_ record: TransactionRecord, now: Date) -> TransactionRecord? {
        var next = record
        if record.status == .pending, let until = record.pendingUntil, let target = record.pendingTarget, now >= until {
            next.status = target
            next.statusCode = statusCode(target, operation: record.operation, settled: record.settledAmount != nil)
            next.pendingTarget = nil
            next.pendingUntil = nil
            next.updatedAt = until
            return next
        }
        if record.status == .reserved, record.settledAmount == nil, let expiry = record.reserveExpiresAt, now >= expiry {
            // NOTE: FPS documented an expired reserve as cancelled with StatusCode Expired; the
            // TransactionStatus word Cancelled is our reading.
            next.status = .cancelled
            next.statusCode = "Expired"
            next.updatedAt = expiry
            return next
        }
        return nil
    }

    static func statusCode(_ status: TransactionStatus, operation: TransactionOperation, settled: Bool) -> String {
        switch status {
        case .pending: return "PendingNetworkResponse"
        case .success: return "Success"
        case .reserved: return "ReserveSuccess"
        case .cancelled: return "Canceled"
        case .failure: return "PaymentFailed"
        }
    }

    static func statusMessage(_ record: TransactionRecord) -> String {
        switch (record.status, record.operation) {
        case (.pending, .pay):
            return "The payment of \(record.amount) is waiting for the payment processor's response."
        case (.pending, .reserve) where record.settledAmount != nil:
            return "Settlement of \(record.settledAmount!) is waiting for the card processor's response."
        case (.pending, .reserve):
            return "The reservation of \(record.amount) is waiting for the card processor's response."
        case (.success, .pay):
            return "The payment of \(record.amount) completed and the buyer's instrument was charged."
        case (.success, .reserve):
            return "\(record.settledAmount ?? record.amount) of the \(record.amount) reservation was settled."
        case (.pending, .refund):
            return "The refund of \(record.amount) is waiting for the payment processor's response."
        case (.success, .refund):
            return "\(record.amount) was refunded to the buyer."
        case (.reserved, _):
            let until = record.reserveExpiresAt.map { " until \(ISO8601Timestamp.format($0))" } ?? ""
            return "\(record.amount) is reserved on the buyer's credit card\(until); settle it to capture the money."
        case (.cancelled, _) where record.statusCode == "Expired":
            return "The reservation was not settled within 7 days and has expired."
        case (.cancelled, _):
            return "The transaction was cancelled."
        case (.failure, _):
            return "The transaction failed."
        }
    }

    private func settleStateMessage(_ record: TransactionRecord) -> String {
        let id = record.transactionID
        if record.operation == .pay {
            return "Transaction \(id) is a Pay transaction; only a Reserved transaction can be settled."
        }
        if record.status == .pending && record.settledAmount == nil {
            return "Reserve \(id) is still Pending; settle it after GetTransactionStatus reports Reserved."
        }
        if record.settledAmount != nil {
            return "Reserve \(id) was already settled; a reservation can be settled only once."
        }
        return "Reserve \(id) is \(record.status.rawValue) (\(record.statusCode)); only a Reserved transaction can be settled."
    }

    static func checkCurrency(_ currency: String, name: String) throws(APIError) {
        guard currency == "USD" else {
            throw .invalidParams("\(name) \(APIRequest.quoted(currency)) is not supported; FPS accepts USD only.")
        }
    }

    /// The canonical query of every parameter that must repeat unchanged in a replay, with the Action.
    static func fingerprint(_ request: APIRequest) -> String {
        let kept = request.parameters.filter { !envelopeParameters.contains($0.name) }
        return SignatureV2.canonicalQuery(kept, excluding: "Signature")
    }

    /// Runs a store call, turning its errors into InternalError.
    func perform<T>(_ body: () throws -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch let error as APIError {
            throw error
        } catch {
            throw .internalError("The sandbox database failed: \(error)")
        }
    }
}

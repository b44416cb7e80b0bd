import Foundation
import FPSClient

/// Cancel and Refund: the actions that stop or reverse an existing transaction.
extension APIService {
    /// Cancels a Reserved or Pending transaction. Cancelling a transaction that is already
    /// Cancelled returns it unchanged, so a caller can repeat a Cancel whose response was lost
    /// (Cancel has no CallerReference).
    func cancel(_ request: APIRequest) throws(APIError) -> [ResultField] {
        let transactionID = try request.text("TransactionId", required: true, maximumLength: 35)!
        // NOTE: FPS states no limit for Description, so the sandbox takes CallerDescription's 160.
        _ = try request.text("Description", required: false, maximumLength: 160)
        let now = request.now

        let record = try inTransaction { () throws(APIError) -> TransactionRecord in
            var record = try loadTransaction(transactionID, callerKey: request.callerKey, now: now)
            switch record.status {
            case .cancelled:
                return record
            case .reserved, .pending:
                record.status = .cancelled
                record.statusCode = "Canceled"
                record.pendingTarget = nil
                record.pendingUntil = nil
                record.updatedAt = now
                try perform { try store.update(record) }
                return record
            case .success, .failure:
                throw .business("InvalidTransactionState",
                                "Transaction \(record.transactionID) is \(record.status.rawValue) (\(record.statusCode)); only a Reserved or Pending transaction can be cancelled. Refund a completed payment instead.")
            }
        }
        return [ResultField("TransactionId", record.transactionID), ResultField("TransactionStatus", record.status.rawValue)]
    }

    /// Refunds part or all of a successful Pay or settled Reserve as a new transaction.
    ///
    /// Without `RefundAmount` the refund takes everything not yet refunded. Several partial
    /// refunds are allowed, each with its own CallerReference, as long as their sum stays
    /// within the amount charged.
    func refund(_ request: APIRequest) throws(APIError) -> [ResultField] {
        let transactionID = try request.text("TransactionId", required: true, maximumLength: 35)!
        let callerReference = try request.text("CallerReference", required: true, maximumLength: 128)!
        let requested = try request.amount("RefundAmount", required: false)
        _ = try request.text("CallerDescription", required: false, maximumLength: 160)
        _ = try request.choice("MarketplaceRefundPolicy",
                               allowed: ["MasterTxnOnly", "MarketplaceTxnOnly", "MasterAndMarketplaceTxn"])
        let fingerprint = Self.fingerprint(request)
        let now = request.now

        let record = try inTransaction { () throws(APIError) -> TransactionRecord in
            if let replayed = try replay(request, callerReference: callerReference, fingerprint: fingerprint) {
                return replayed
            }
            let original = try loadTransaction(transactionID, callerKey: request.callerKey, now: now)
            let charged = try Self.refundableAmount(of: original)
            let refunded = try perform { try store.refundedMinorUnits(parentTransactionID: original.transactionID) }
            let remaining = charged.minorUnits - refunded
            guard remaining > 0 else {
                throw .business("TransactionFullyRefundedAlready",
                                "Transaction \(original.transactionID) was already refunded in full (\(charged)).")
            }

            let amount: Money
            if let requested {
                try Self.checkCurrency(requested.currency, name: "RefundAmount.CurrencyCode")
                guard requested.value.minorUnits > 0 else {
                    throw .business("AmountOutOfRange", "RefundAmount.Value must be at least 0.01.")
                }
                let left = Money(minorUnits: remaining, currency: charged.currency)
                guard requested.value.minorUnits <= remaining else {
                    throw .business("RefundAmountExceeded",
                                    "The refund of \(requested.value) is more than the \(left) of transaction \(original.transactionID) not yet refunded (charged \(charged)).")
                }
                amount = requested.value
            } else {
                amount = Money(minorUnits: remaining, currency: charged.currency)
            }

            let pending = pendingSeconds > 0
            let record = TransactionRecord(
                transactionID: try perform { try SecureRandom.alphanumeric(35) },
                callerKey: request.callerKey, operation: .refund, callerReference: callerReference,
                tokenID: original.tokenID, paymentMethod: original.paymentMethod, amount: amount, settledAmount: nil,
                status: pending ? .pending : .success,
                statusCode: pending ? "PendingNetworkResponse" : "Success",
                pendingTarget: pending ? .success : nil,
                pendingUntil: pending ? now.addingTimeInterval(pendingSeconds) : nil,
                reserveExpiresAt: nil, parentTransactionID: original.transactionID,
                createdAt: now, updatedAt: now)
            try perform {
                try store.insert(record)
                try store.rememberIdempotency(callerKey: request.callerKey, callerReference: callerReference,
                                              action: request.action, fingerprint: fingerprint,
                                              transactionID: record.transactionID, at: now)
            }
            return record
        }
        return [ResultField("TransactionId", record.transactionID), ResultField("TransactionStatus", record.status.rawValue)]
    }

    /// Returns the amount a refund may return from `original`: the charged amount of a Pay, the
    /// settled amount of a Reserve. Throws when the transaction cannot be refunded.
    private static func refundableAmount(of original: TransactionRecord) throws(APIError) -> Money {
        let id = original.transactionID
        if original.operation == .refund {
            throw .business("TransactionTypeNotRefundable", "Transaction \(id) is itself a refund and cannot be refunded.")
        }
        // NOTE: FPS's error table also has OriginalTransactionIncomplete, which may be the code it
        // used for a Pending original. The sandbox returns InvalidTransactionState for every state but Success.
        guard original.status == .success else {
            throw .business("InvalidTransactionState",
                            "Transaction \(id) is \(original.status.rawValue) (\(original.statusCode)); only a Success payment or settled reserve can be refunded.")
        }
        if original.operation == .reserve {
            return original.settledAmount ?? original.amount
        }
        return original.amount
    }
}

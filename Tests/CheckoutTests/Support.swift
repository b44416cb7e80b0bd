@testable import Checkout
import FPSClient
import Foundation
import Ledger
import Synchronization

/// A ledger file in a fresh temporary directory, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("checkout-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var ledgerPath: String { url.appendingPathComponent("ledger.sqlite").path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// One call the fake FPS endpoint received.
struct RecordedCall: Sendable, Equatable {
    var action: String
    var callerReference: String?
    var tokenID: String?
    var transactionID: String?
    var amount: Money?
}

/// An in-memory FPS endpoint with FPS's CallerReference idempotency: a repeated Pay, Reserve
/// or Refund reference returns the first transaction. Tests script errors and status sequences.
final class FakeFPS: FPSActions, Sendable {
    private struct Model {
        var calls: [RecordedCall] = []
        var errors: [String: [FPSError]] = [:]
        var firstStatus: [String: TransactionStatus] = [:]
        var statusSequences: [String: [TransactionStatus]] = [:]
        var transactionsByReference: [String: String] = [:]
        var amounts: [String: Money] = [:]
        /// Refunded minor units per original transaction, counting every refund not failed.
        var refundedMinor: [String: Int64] = [:]
        /// When true, a failing Refund or Cancel takes effect before its error is returned.
        var takesEffectBeforeError: Set<String> = []
        var statuses: [String: TransactionStatus] = [:]
        var nextID = 1
        /// When true, a Settle changes the reserve but its response is replaced by `errors`.
        var settleArrivesBeforeError = false
    }

    private let model = Mutex(Model())

    /// Makes the next calls of `action` fail with `errors`, in order.
    func fail(_ action: String, with errors: [FPSError]) {
        model.withLock { $0.errors[action, default: []] += errors }
    }

    /// Sets the status `action` returns for a new transaction (default: Success, Reserved).
    func answer(_ action: String, with status: TransactionStatus) {
        model.withLock { $0.firstStatus[action] = status }
    }

    /// Sets the statuses later GetTransactionStatus calls return; the last one repeats.
    func statusSequence(_ statuses: [TransactionStatus], for action: String) {
        model.withLock { $0.statusSequences[action] = statuses }
    }

    /// Makes a failing Settle take effect before its error is returned, like a lost response.
    func settleTakesEffectBeforeErrors() {
        model.withLock { $0.settleArrivesBeforeError = true }
    }

    /// Makes a failing `action` (Refund or Cancel) take effect before its error is returned.
    func takesEffectBeforeErrors(_ action: String) {
        _ = model.withLock { $0.takesEffectBeforeError.insert(action) }
    }

    func cancel(transactionID: String, description: String?) async throws(FPSError) -> TransactionResult {
        let result: Result<TransactionResult, FPSError> = model.withLock { model in
            model.calls.append(RecordedCall(action: "Cancel", transactionID: transactionID))
            let queued = model.errors["Cancel"] ?? []
            func applyCancel() -> Result<TransactionResult, FPSError> {
                switch model.statuses[transactionID] {
                case nil:
                    return .failure(.service(code: "InvalidTransactionId", message: "unknown", requestID: nil, httpStatus: 400))
                case .reserved, .pending, .cancelled:
                    model.statuses[transactionID] = .cancelled
                    model.statusSequences[transactionID] = nil
                    return .success(TransactionResult(transactionID: transactionID, status: .cancelled, statusCode: "Canceled"))
                default:
                    return .failure(.service(code: "InvalidTransactionState", message: "completed", requestID: nil, httpStatus: 400))
                }
            }
            if !queued.isEmpty {
                if model.takesEffectBeforeError.contains("Cancel") { _ = applyCancel() }
                model.errors["Cancel"] = Array(queued.dropFirst())
                return .failure(queued[0])
            }
            return applyCancel()
        }
        return try result.get()
    }

    func refund(transactionID: String, callerReference: String, amount: Money?, callerDescription: String?) async throws(FPSError) -> TransactionResult {
        let result: Result<TransactionResult, FPSError> = model.withLock { model in
            model.calls.append(RecordedCall(action: "Refund", callerReference: callerReference, transactionID: transactionID,
                                            amount: amount))
            func applyRefund() -> Result<TransactionResult, FPSError> {
                if let existing = model.transactionsByReference[callerReference] {
                    return .success(TransactionResult(transactionID: existing, status: model.statuses[existing] ?? .success))
                }
                guard let charged = model.amounts[transactionID], model.statuses[transactionID] == .success else {
                    return .failure(.service(code: "InvalidTransactionState", message: "not refundable", requestID: nil, httpStatus: 400))
                }
                let left = charged.minorUnits - (model.refundedMinor[transactionID] ?? 0)
                let value = amount?.minorUnits ?? left
                guard value <= left else {
                    return .failure(.service(code: "RefundAmountExceeded", message: "too much", requestID: nil, httpStatus: 400))
                }
                let id = "RF\(model.nextID)"
                model.nextID += 1
                let status = model.firstStatus["Refund"] ?? .success
                model.transactionsByReference[callerReference] = id
                model.statuses[id] = status
                model.amounts[id] = Money(minorUnits: value, currency: charged.currency)
                model.statusSequences[id] = model.statusSequences["Refund"]
                model.refundedMinor[transactionID, default: 0] += value
                return .success(TransactionResult(transactionID: id, status: status, callerReference: callerReference))
            }
            if var queued = model.errors["Refund"], !queued.isEmpty {
                if model.takesEffectBeforeError.contains("Refund") { _ = applyRefund() }
                let error = queued.removeFirst()
                model.errors["Refund"] = queued
                return .failure(error)
            }
            return applyRefund()
        }
        return try result.get()
    }

    var calls: [RecordedCall] { model.withLock { $0.calls } }

    func calls(_ action: String) -> [RecordedCall] { calls.filter { $0.action == action } }

    func pay(senderTokenID: String, amount: Money, callerReference: String) async throws(FPSError) -> TransactionResult {
        try charge("Pay", token: senderTokenID, amount: amount, reference: callerReference, defaultStatus: .success)
    }

    func reserve(senderTokenID: String, amount: Money, callerReference: String) async throws(FPSError) -> TransactionResult {
        try charge("Reserve", token: senderTokenID, amount: amount, reference: callerReference, defaultStatus: .reserved)
    }

    func settle(reserveTransactionID: String, amount: Money?) async throws(FPSError) -> TransactionResult {
        let result: Result<TransactionResult, FPSError> = model.withLock { model in
            model.calls.append(RecordedCall(action: "Settle", transactionID: reserveTransactionID, amount: amount))
            if model.settleArrivesBeforeError, !(model.errors["Settle"] ?? []).isEmpty {
                model.statuses[reserveTransactionID] = .pending
                model.statusSequences[reserveTransactionID] = model.statusSequences["Settle"]
            }
            if var queued = model.errors["Settle"], !queued.isEmpty {
                let error = queued.removeFirst()
                model.errors["Settle"] = queued
                return .failure(error)
            }
            let status = model.firstStatus["Settle"] ?? .success
            model.statuses[reserveTransactionID] = status
            if let amount { model.amounts[reserveTransactionID] = amount }
            model.statusSequences[reserveTransactionID] = model.statusSequences["Settle"]
            return .success(TransactionResult(transactionID: reserveTransactionID, status: status))
        }
        return try result.get()
    }

    func getTransactionStatus(transactionID: String) async throws(FPSError) -> TransactionResult {
        let result: Result<TransactionResult, FPSError> = model.withLock { model in
            model.calls.append(RecordedCall(action: "GetTransactionStatus", transactionID: transactionID))
            if var queued = model.errors["GetTransactionStatus"], !queued.isEmpty {
                let error = queued.removeFirst()
                model.errors["GetTransactionStatus"] = queued
                return .failure(error)
            }
            guard let current = model.statuses[transactionID] else {
                return .failure(.service(code: "InvalidTransactionId", message: "unknown", requestID: nil, httpStatus: 400))
            }
            if var sequence = model.statusSequences[transactionID], !sequence.isEmpty {
                let next = sequence.removeFirst()
                model.statusSequences[transactionID] = sequence.isEmpty ? nil : sequence
                model.statuses[transactionID] = next
                return .success(TransactionResult(transactionID: transactionID, status: next))
            }
            return .success(TransactionResult(transactionID: transactionID, status: current))
        }
        return try result.get()
    }

    private func charge(_ action: String, token: String, amount: Money, reference: String,
                        defaultStatus: TransactionStatus) throws(FPSError) -> TransactionResult {
        let result: Result<TransactionResult, FPSError> = model.withLock { model in
            model.calls.append(RecordedCall(action: action, callerReference: reference, tokenID: token, amount: amount))
            if var queued = model.errors[action], !queued.isEmpty {
                let error = queued.removeFirst()
                model.errors[action] = queued
                return .failure(error)
            }
            if let existing = model.transactionsByReference[reference] {
                return .success(TransactionResult(transactionID: existing, status: model.statuses[existing] ?? defaultStatus))
            }
            let id = "TX\(model.nextID)"
            model.nextID += 1
            let status = model.firstStatus[action] ?? defaultStatus
            model.transactionsByReference[reference] = id
            model.statuses[id] = status
            model.amounts[id] = amount
            model.statusSequences[id] = model.statusSequences[action]
            return .success(TransactionResult(transactionID: id, status: status, callerReference: reference))
        }
        return try result.get()
    }
}

/// A stand-in for the return-URI verifier: `approve:<token>` is a valid return for the
/// order being checked, `approve:<token>@<reference>` is one for another reference, and
/// anything else is rejected as altered.
let fakeAuthorize: CheckoutSession.Authorize = { rawURI, expected, requireCard in
    guard rawURI.hasPrefix("approve:") else {
        return .failure(ReturnRefusal(kind: .signatureInvalid, message: "The return URI's signature does not match its contents."))
    }
    let body = rawURI.dropFirst("approve:".count)
    let parts = body.split(separator: "@", maxSplits: 1).map(String.init)
    let reference = parts.count == 2 ? parts[1] : expected
    guard reference == expected else {
        return .failure(ReturnRefusal(kind: .callerReferenceMismatch, message: "The return URI is for order reference \"\(reference)\"."))
    }
    return .success(Authorization(tokenID: parts[0], status: .successCard, callerReference: reference, expiry: "07/2030"))
}

/// A configuration with short waits, for tests that never touch the network.
func testConfiguration(maxPolls: Int = 20, maxAttempts: Int = 4) -> CheckoutConfiguration {
    CheckoutConfiguration(
        endpoints: .localSandbox(port: 9), credentials: FPSCredentials(accessKeyID: "AKIDTEST", secretKey: "test-secret-key-0123456789"),
        desk: "front desk", clerk: "tester", pollInterval: .milliseconds(5), maxPolls: maxPolls, maxAttempts: maxAttempts,
        retryBaseDelay: .milliseconds(1), maxRetryDelay: .milliseconds(4))
}

/// Builds a 64-character token id like the ones FPS issues.
func makeTokenID(_ seed: String) -> String {
    String((seed + String(repeating: "T", count: 64)).prefix(64)).uppercased()
}

extension CheckoutSession {
    /// Sends `intent` and waits until it and any polling it started are done.
    func perform(_ intent: CheckoutIntent) async {
        send(intent)
        await waitUntilIdle()
    }
}

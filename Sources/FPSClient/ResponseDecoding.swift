import Foundation

/// The VerifySignature result: `Success` or `Failure`, both sent with HTTP 200.
public struct VerifySignatureResult: Sendable, Equatable {
    /// The `VerificationStatus` text as sent, kept even when it is neither word.
    public var verificationStatus: String
    public var requestID: String?

    public init(verificationStatus: String, requestID: String?) {
        self.verificationStatus = verificationStatus
        self.requestID = requestID
    }

    public var isVerified: Bool { verificationStatus == "Success" }
}

/// A token as GetTokenByCaller describes it.
public struct FPSToken: Sendable, Equatable {
    public var tokenID: String
    public var friendlyName: String?
    /// `Active` or `Inactive`.
    public var tokenStatus: String?
    public var dateInstalled: String?
    public var callerReference: String?
    /// `SingleUse`, `MultiUse`, `Recurring` or `Unrestricted`.
    public var tokenType: String?
    public var oldTokenID: String?
    public var paymentReason: String?
    public var requestID: String?

    public init(tokenID: String, friendlyName: String? = nil, tokenStatus: String? = nil, dateInstalled: String? = nil,
                callerReference: String? = nil, tokenType: String? = nil, oldTokenID: String? = nil,
                paymentReason: String? = nil, requestID: String? = nil) {
        self.tokenID = tokenID
        self.friendlyName = friendlyName
        self.tokenStatus = tokenStatus
        self.dateInstalled = dateInstalled
        self.callerReference = callerReference
        self.tokenType = tokenType
        self.oldTokenID = oldTokenID
        self.paymentReason = paymentReason
        self.requestID = requestID
    }
}

/// Turns FPS response bodies into typed results or `FPSError`s.
///
/// Success documents are `<{Action}Response>` in the FPS namespace of the requested version.
/// Error documents come in two shapes and are both read: the REST form
/// `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>` (no
/// namespace, capital D) and the SOAP-style `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`.
/// Only the first error is reported, as FPS itself did. Element order and whitespace do not matter.
public enum FPSResponseDecoder {
    /// Decodes the result of Pay, Reserve, Settle, Cancel, Refund or GetTransactionStatus.
    public static func transactionResult(action: String, response: HTTPResponse) throws(FPSError) -> TransactionResult {
        let root = try successRoot(action: action, response: response)
        guard let result = root.child("\(action)Result") else {
            throw .malformedResponse(httpStatus: response.status, detail: "The \(action) response has no \(action)Result element.")
        }
        guard let transactionID = result.value(at: "TransactionId") else {
            throw .malformedResponse(httpStatus: response.status, detail: "The \(action) response has no TransactionId. Check the transaction with GetTransactionStatus before retrying.")
        }
        guard let statusWord = result.value(at: "TransactionStatus") else {
            throw .malformedResponse(httpStatus: response.status, detail: "The \(action) response for transaction \(transactionID) has no TransactionStatus.")
        }
        guard let status = TransactionStatus(wire: statusWord) else {
            throw .malformedResponse(httpStatus: response.status, detail: "The \(action) response for transaction \(transactionID) has the unknown TransactionStatus \"\(statusWord)\".")
        }
        return TransactionResult(
            transactionID: transactionID, status: status,
            statusCode: result.value(at: "StatusCode"), statusMessage: result.value(at: "StatusMessage"),
            callerReference: result.value(at: "CallerReference"), requestID: requestID(of: root))
    }

    /// Decodes the VerifySignature response.
    public static func verifySignatureResult(response: HTTPResponse) throws(FPSError) -> VerifySignatureResult {
        let root = try successRoot(action: "VerifySignature", response: response)
        guard let status = root.value(at: "VerifySignatureResult", "VerificationStatus") else {
            throw .malformedResponse(httpStatus: response.status, detail: "The VerifySignature response has no VerificationStatus.")
        }
        return VerifySignatureResult(verificationStatus: status, requestID: requestID(of: root))
    }

    /// Decodes the GetTokenByCaller response.
    public static func tokenResult(response: HTTPResponse) throws(FPSError) -> FPSToken {
        let root = try successRoot(action: "GetTokenByCaller", response: response)
        guard let token = root.element(at: ["GetTokenByCallerResult", "Token"]), let tokenID = token.value(at: "TokenId") else {
            throw .malformedResponse(httpStatus: response.status, detail: "The GetTokenByCaller response has no Token with a TokenId.")
        }
        return FPSToken(
            tokenID: tokenID, friendlyName: token.value(at: "FriendlyName"), tokenStatus: token.value(at: "TokenStatus"),
            dateInstalled: token.value(at: "DateInstalled"), callerReference: token.value(at: "CallerReference"),
            tokenType: token.value(at: "TokenType"), oldTokenID: token.value(at: "OldTokenId"),
            paymentReason: token.value(at: "PaymentReason"), requestID: requestID(of: root))
    }

    /// Decodes a response that carries only `ResponseMetadata` (CancelToken) and returns its request id.
    public static func metadataOnlyResult(action: String, response: HTTPResponse) throws(FPSError) -> String? {
        requestID(of: try successRoot(action: action, response: response))
    }

    /// Returns the error for a non-200 response: `FPSError.service` for a readable error
    /// document, otherwise `FPSError.malformedResponse` with the HTTP status.
    public static func serviceError(from response: HTTPResponse) -> FPSError {
        switch FPSXML.parse(response.body) {
        case .failure(let failure):
            return .malformedResponse(httpStatus: response.status, detail: "The body is not an FPS XML document (\(failure.detail)); it starts with \"\(snippet(response.body))\".")
        case .success(let root):
            return serviceError(root: root, httpStatus: response.status)
                ?? .malformedResponse(httpStatus: response.status, detail: "HTTP \(response.status) came with a <\(root.name)> document instead of an error document.")
        }
    }

    // MARK: - Internals

    /// Parses a response that should be `<{action}Response>`, throwing the service error
    /// when the body is an error document instead.
    static func successRoot(action: String, response: HTTPResponse) throws(FPSError) -> FPSXMLElement {
        guard response.status == 200 else { throw serviceError(from: response) }
        let root: FPSXMLElement
        switch FPSXML.parse(response.body) {
        case .failure(let failure):
            throw .malformedResponse(httpStatus: response.status, detail: "The \(action) response is not well-formed XML (\(failure.detail)).")
        case .success(let parsed):
            root = parsed
        }
        if let error = serviceError(root: root, httpStatus: response.status) { throw error }
        guard root.name == "\(action)Response" else {
            throw .malformedResponse(httpStatus: response.status, detail: "Expected a <\(action)Response> document but got <\(root.name)>.")
        }
        return root
    }

    /// Reads either error shape; nil when `root` is not an error document.
    static func serviceError(root: FPSXMLElement, httpStatus: Int) -> FPSError? {
        let error: FPSXMLElement?
        let requestID: String?
        switch root.name {
        case "Response":
            error = root.element(at: ["Errors", "Error"])
            requestID = root.value(at: "RequestID") ?? root.value(at: "RequestId")
        case "ErrorResponse":
            error = root.child("Error")
            requestID = root.value(at: "RequestId") ?? root.value(at: "RequestID")
        default:
            return nil
        }
        guard let error, let code = error.value(at: "Code") else {
            return .malformedResponse(httpStatus: httpStatus, detail: "The error document has no Error/Code element" + (requestID.map { " [request \($0)]." } ?? "."))
        }
        let message = error.value(at: "Message") ?? "(no message)"
        return .service(code: code, message: message, requestID: requestID, httpStatus: httpStatus)
    }

    static func requestID(of root: FPSXMLElement) -> String? {
        root.value(at: "ResponseMetadata", "RequestId") ?? root.value(at: "ResponseMetadata", "RequestID")
    }

    /// The first 80 characters of a body, control characters replaced, for error details.
    static func snippet(_ body: Data) -> String {
        let text = String(decoding: body.prefix(160), as: UTF8.self)
        let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        let trimmed = cleaned.trimmingCharacters(in: .whitespaces)
        return trimmed.count <= 80 ? trimmed : "\(trimmed.prefix(80))…"
    }
}

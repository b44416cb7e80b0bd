import Foundation
import FPSClient

/// CancelToken and GetTokenByCaller: the actions on sender tokens the CBUI minted.
extension APIService {
    /// Makes a token inactive, so a later Pay or Reserve with it fails with TokenNotActive_Sender.
    /// Cancelling an inactive token again succeeds and changes nothing. The response carries
    /// only ResponseMetadata, as FPS's did.
    func cancelToken(_ request: APIRequest) throws(APIError) -> [ResultField]? {
        let tokenID = try request.text("TokenId", required: true, maximumLength: 128)!
        // NOTE: FPS states no limit for ReasonText, so the sandbox takes CallerDescription's 160.
        _ = try request.text("ReasonText", required: false, maximumLength: 160)
        let now = request.now

        // The closure returns the token rather than Void: Swift 6.3 crashes compiling a Void
        // closure with typed throws passed to inTransaction.
        _ = try inTransaction { () throws(APIError) -> TokenRecord in
            guard let token = try perform({ try store.token(id: tokenID) }), token.callerKey == request.callerKey else {
                throw .business("InvalidTokenId", "The token \(Redaction.secret(tokenID)) is not a token this caller installed.")
            }
            if token.cancelledAt == nil {
                try perform { try store.markTokenCancelled(token.tokenID, at: now) }
            }
            return token
        }
        return nil
    }

    /// Returns one token, found by exactly one of `TokenId` or the CBUI `CallerReference`.
    /// A caller uses it to recover a token whose return redirect was lost.
    func getTokenByCaller(_ request: APIRequest) throws(APIError) -> [ResultField] {
        let tokenID = try request.text("TokenId", required: false, maximumLength: 128)
        let callerReference = try request.text("CallerReference", required: false, maximumLength: 128)

        let token = try inTransaction { () throws(APIError) -> TokenRecord in
            switch (tokenID, callerReference) {
            case let (tokenID?, nil):
                guard let token = try perform({ try store.token(id: tokenID) }), token.callerKey == request.callerKey else {
                    throw .business("InvalidTokenId", "The token \(Redaction.secret(tokenID)) is not a token this caller installed.")
                }
                return token
            case let (nil, callerReference?):
                guard let token = try perform({ try store.token(callerKey: request.callerKey, callerReference: callerReference) }) else {
                    // NOTE: FPS did not document the code for an unknown reference, so InvalidCallerReference is our choice.
                    throw .business("InvalidCallerReference",
                                    "No token was installed for CallerReference \(APIRequest.quoted(callerReference)). The buyer may not have approved the payment yet.")
                }
                return token
            default:
                throw .invalidParams("The request must contain exactly one of the parameters TokenId and CallerReference.")
            }
        }
        let paymentReason = try perform { try store.paymentReason(ofToken: token) }

        var fields = [
            ResultField("TokenId", token.tokenID),
            ResultField("TokenStatus", Self.tokenStatus(token, now: request.now)),
            ResultField("DateInstalled", ISO8601Timestamp.format(token.createdAt)),
            ResultField("CallerReference", token.callerReference),
            ResultField("TokenType", "SingleUse"),
        ]
        if let paymentReason { fields.append(ResultField("PaymentReason", paymentReason)) }
        return [ResultField("Token", children: fields)]
    }

    /// Returns `Active` while the token can still pay, `Inactive` once it is cancelled, used or expired.
    /// NOTE: FPS documents Inactive for cancelled tokens. Reporting used and expired
    /// SingleUse tokens as Inactive is our reading.
    static func tokenStatus(_ token: TokenRecord, now: Date) -> String {
        token.cancelledAt == nil && !token.used && now < token.expiresAt ? "Active" : "Inactive"
    }
}

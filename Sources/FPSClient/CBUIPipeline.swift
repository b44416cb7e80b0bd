import Foundation

/// Builds signed Co-Branded UI (CBUI) URLs that send a customer to authorize a payment.
public enum CBUIPipeline {
    /// The CBUI `version` parameter for every pipeline.
    public static let version = "2009-01-09"

    /// Builds the signed SingleUse pipeline URL for one order.
    ///
    /// The URL carries `callerKey`, `callerReference`, `pipelineName=SingleUse`, `returnURL`,
    /// `transactionAmount` (dollars with two decimals), `currencyCode`, `paymentReason`,
    /// `version`, `signatureMethod` and `signatureVersion=2`. A reserve order adds
    /// `reserve=True` and `paymentMethod=CC`, because Reserve works only with a credit card.
    /// An empty `paymentReason` is left out rather than sent as an empty value.
    public static func singleUseURL(
        endpoint: URL, credentials: FPSCredentials, callerReference: String, returnURL: String,
        amount: Money, paymentReason: String, reserve: Bool, signatureMethod: SignatureMethod = .hmacSHA256
    ) -> String {
        var parameters = [
            QueryParameter("callerKey", credentials.accessKeyID),
            QueryParameter("callerReference", callerReference),
            QueryParameter("pipelineName", "SingleUse"),
            QueryParameter("returnURL", returnURL),
            QueryParameter("transactionAmount", amount.decimalString),
            QueryParameter("currencyCode", amount.currency),
            QueryParameter("version", version),
            QueryParameter("signatureMethod", signatureMethod.rawValue),
            QueryParameter("signatureVersion", "2"),
        ]
        if !paymentReason.isEmpty {
            parameters.append(QueryParameter("paymentReason", paymentReason))
        }
        if reserve {
            parameters.append(QueryParameter("reserve", "True"))
            parameters.append(QueryParameter("paymentMethod", "CC"))
        }
        return signedURL(endpoint: endpoint, parameters: parameters, secretKey: credentials.secretKey, method: signatureMethod)
    }

    /// Signs `parameters` (everything but `signature`) for a GET to `endpoint` and returns
    /// the URL: the endpoint, `?`, the parameters in byte order of their names, then `signature`.
    ///
    /// The host line is the endpoint's host with `:port` when the port is not the scheme's
    /// default, as Amazon's own CBUI signer did. Parameters already in the endpoint's query
    /// are signed and sent as well.
    public static func signedURL(endpoint: URL, parameters: [QueryParameter], secretKey: String, method: SignatureMethod) -> String {
        let text = endpoint.absoluteString
        let base = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
            .split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        var all = parameters.filter { $0.name != "signature" }
        let hostLine: String
        let path: String
        if let parts = URLParts.parseCached(text) {
            hostLine = parts.hostLine
            path = parts.path
            if let rawQuery = parts.rawQuery, let existing = try? QueryString.parse(rawQuery) {
                all = existing + all
            }
        } else {
            hostLine = endpoint.host ?? ""
            path = endpoint.path
        }

        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(512)
        let queryStart = SignatureV2.appendStringToSign(verb: "GET", hostLine: hostLine, path: path,
                                                        ordered: SignatureV2.signingOrder(all, excluding: "signature"),
                                                        to: &stringToSign)
        let signature = SignatureV2.signatureBytes(stringToSign, secretKey: secretKey, method: method)
        var url: [UInt8] = []
        url.reserveCapacity(base.utf8.count + stringToSign.count - queryStart + 80)
        url.append(contentsOf: base.utf8)
        url.append(UInt8(ascii: "?"))
        url.append(contentsOf: stringToSign[queryStart...])
        url.append(contentsOf: "&signature=".utf8)
        PercentEncoding.appendEncoded(bytes: signature, to: &url)
        return String(decoding: url, as: UTF8.self)
    }
}

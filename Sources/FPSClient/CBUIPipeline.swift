import Foundation
import Synchronization

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
        // Sized for every optional parameter up front, so the appends below never reallocate.
        var parameters: [QueryParameter] = []
        parameters.reserveCapacity(12)
        parameters.append(QueryParameter("callerKey", credentials.accessKeyID))
        parameters.append(QueryParameter("callerReference", callerReference))
        parameters.append(QueryParameter("pipelineName", "SingleUse"))
        parameters.append(QueryParameter("returnURL", returnURL))
        parameters.append(QueryParameter("transactionAmount", amount.decimalString))
        parameters.append(QueryParameter("currencyCode", amount.currency))
        parameters.append(QueryParameter("version", version))
        parameters.append(QueryParameter("signatureMethod", signatureMethod.rawValue))
        parameters.append(QueryParameter("signatureVersion", "2"))
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
        let target = SigningEndpoint.cached(endpoint)
        return StringToSignBuffer.with(verb: "GET", hostLine: target.hostLine, path: target.path, target.existing, parameters,
                                       excluding: "signature") { buffer in
            SignatureV2.withSignature(of: buffer.message, secretKey: secretKey, method: method) { signature in
                buffer.append("&signature=")
                buffer.appendEncoded(signature)
                let query = buffer.queryAndAppended
                var base = target.base
                // One allocation for the whole URL: the endpoint without query, `?`, then the
                // canonical query and signature exactly as they were signed.
                return base.withUTF8 { baseBytes in
                    String(unsafeUninitializedCapacity: baseBytes.count + 1 + query.count) { output in
                        _ = UnsafeMutableBufferPointer(rebasing: output[0..<baseBytes.count]).initialize(from: baseBytes)
                        output[baseBytes.count] = UInt8(ascii: "?")
                        _ = UnsafeMutableBufferPointer(rebasing: output[(baseBytes.count + 1)...]).initialize(from: query)
                        return baseBytes.count + 1 + query.count
                    }
                }
            }
        }
    }

    /// The parts of a CBUI endpoint that signing uses, worked out once per distinct endpoint text.
    /// A class, so that taking the cached entry out of its lock costs one retain.
    private final class SigningEndpoint: Sendable {
        let text: String
        /// The endpoint without its query and fragment.
        let base: String
        let hostLine: String
        let path: String
        /// Parameters already in the endpoint's query, which are signed and sent as well.
        let existing: [QueryParameter]

        /// The last endpoint seen. Callers sign for the same endpoint on every call, so one
        /// entry saves the parse. The full text is compared, so a hit is exact.
        private static let last = Mutex<SigningEndpoint?>(nil)

        static func cached(_ endpoint: URL) -> SigningEndpoint {
            let text = endpoint.absoluteString
            if let hit = last.withLock({ $0 }), hit.text == text { return hit }
            let entry = SigningEndpoint(endpoint, text: text)
            last.withLock { $0 = entry }
            return entry
        }

        private init(_ endpoint: URL, text: String) {
            self.text = text
            let baseEnd = text.firstIndex { $0 == "?" || $0 == "#" } ?? text.endIndex
            base = String(text[..<baseEnd])
            if case .success(let parts) = URLParts.parse(text) {
                hostLine = parts.hostLine
                path = parts.path
                existing = parts.rawQuery.flatMap { try? QueryString.parse($0) } ?? []
            } else {
                hostLine = endpoint.host ?? ""
                path = endpoint.path
                existing = []
            }
        }
    }
}

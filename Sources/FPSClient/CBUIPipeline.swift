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
        let target = SigningEndpoint.cached(endpoint)
        if target.existing.isEmpty {
            return signedSingleUseURL(target: target, credentials: credentials, callerReference: callerReference,
                                      returnURL: returnURL, amount: amount, paymentReason: paymentReason,
                                      reserve: reserve, signatureMethod: signatureMethod)
        }

        // Parameters in the endpoint's query must be merged into the sort, which the generic
        // signer does.
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

    /// Builds the SingleUse URL for an endpoint without a query of its own.
    ///
    /// The parameter names are constants, so they are written in their byte order directly and
    /// nothing is sorted. The names are all unreserved characters and need no encoding. The
    /// result is byte for byte what `signedURL` returns for the same parameters.
    private static func signedSingleUseURL(
        target: SigningEndpoint, credentials: FPSCredentials, callerReference: String, returnURL: String,
        amount: Money, paymentReason: String, reserve: Bool, signatureMethod: SignatureMethod
    ) -> String {
        let amountText = amount.decimalString
        let header = target.signingHeader
        // Every value may triple when encoded. The 32 covers the constant values (26 bytes),
        // and the 200 covers the names, `=` and `&` (168 bytes).
        let valueCount = credentials.accessKeyID.utf8.count + callerReference.utf8.count + returnURL.utf8.count
            + amountText.utf8.count + amount.currency.utf8.count + paymentReason.utf8.count + version.utf8.count + 32
        let capacity = header.count + 200 + valueCount * 3 + StringToSignBuffer.signatureRoom

        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { output in
            let start = output.baseAddress!
            header.withUnsafeBufferPointer { start.update(from: $0.baseAddress!, count: $0.count) }
            var writer = QueryWriter(start: start, position: header.count)

            // Sorted by the bytes of the names, so `callerKey` comes before `callerReference`
            // and `reserve` before `returnURL`.
            writer.append("callerKey", credentials.accessKeyID)
            writer.append("callerReference", callerReference)
            writer.append("currencyCode", amount.currency)
            if reserve { writer.append("paymentMethod", "CC") }
            if !paymentReason.isEmpty { writer.append("paymentReason", paymentReason) }
            writer.append("pipelineName", "SingleUse")
            if reserve { writer.append("reserve", "True") }
            writer.append("returnURL", returnURL)
            writer.append("signatureMethod", signatureMethod.rawValue)
            writer.append("signatureVersion", "2")
            writer.append("transactionAmount", amountText)
            writer.append("version", version)
            precondition(writer.position + StringToSignBuffer.signatureRoom <= capacity, "CBUI URL buffer overflow")

            let message = UnsafeBufferPointer(start: start, count: writer.position)
            return SignatureV2.withSignature(of: message, secretKey: credentials.secretKey, method: signatureMethod) { signature in
                writer.appendLiteral("&signature=")
                writer.position = StringToSignBuffer.encode(signature, into: start, at: writer.position)
                let query = UnsafeBufferPointer(start: start + header.count, count: writer.position - header.count)
                return target.url(withQuery: query)
            }
        }
    }

    /// Writes `name=value` pairs, joined by `&`, to a buffer the caller sized.
    private struct QueryWriter {
        let start: UnsafeMutablePointer<UInt8>
        var position: Int
        private var first = true

        init(start: UnsafeMutablePointer<UInt8>, position: Int) {
            self.start = start
            self.position = position
        }

        mutating func appendLiteral(_ text: StaticString) {
            (start + position).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
            position += text.utf8CodeUnitCount
        }

        /// Appends `name=value`, with `name` as it is and `value` percent-encoded.
        @inline(__always)
        mutating func append(_ name: StaticString, _ value: String) {
            if !first {
                start[position] = UInt8(ascii: "&")
                position += 1
            }
            first = false
            appendLiteral(name)
            start[position] = UInt8(ascii: "=")
            position += 1
            position = StringToSignBuffer.appendEncoded(value, into: start, at: position)
        }
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
                return target.url(withQuery: buffer.queryAndAppended)
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
        /// The string to sign up to its canonical query: `GET`, the lower-cased host line and
        /// the encoded path, each followed by LF.
        let signingHeader: [UInt8]

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
            signingHeader = Array("GET\n\(hostLine.lowercased())\n\(SignatureV2.canonicalPath(path))\n".utf8)
        }

        /// Returns the endpoint without its query, `?`, then `query`, built in one allocation.
        func url(withQuery query: UnsafeBufferPointer<UInt8>) -> String {
            var base = base
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

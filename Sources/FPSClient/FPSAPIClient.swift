import Foundation
import Synchronization

/// The HTTP method for API calls. FPS accepts both, and the method is part of the signature.
public enum HTTPMethodChoice: String, Sendable {
    case get = "GET"
    case post = "POST"
}

/// Signs FPS API calls with Signature Version 2, sends them through an `HTTPTransport` and
/// decodes the XML responses.
///
/// The client validates arguments before anything is signed and reports each request and
/// response to `events` with tokens and signatures redacted. It never retries on its own:
/// Settle and Cancel carry no idempotency key, so the caller decides, using
/// `FPSError.isRetryable` and GetTransactionStatus.
public final class FPSAPIClient: FPSActions, Sendable {
    public let endpoint: URL
    public let version: String
    public let signatureMethod: SignatureMethod
    public let httpMethod: HTTPMethodChoice

    private let credentials: FPSCredentials
    private let transport: any HTTPTransport
    private let clock: @Sendable () -> Date
    private let events: FPSEventSink?
    /// The endpoint split once at init; nil when it is not an absolute http(s) URL, in which
    /// case every call fails with `FPSError.invalidRequest`.
    private let endpointParts: URLParts?
    /// The string to sign up to its canonical query, worked out once at init: the verb, the
    /// host line as the `Host` header sends it but lower-cased, and the encoded path, each
    /// followed by LF.
    private let signingHeader: [UInt8]
    /// The request headers, built once so that each request shares the same dictionary
    /// storage instead of hashing the names again.
    private let requestHeaders: [String: String]
    /// The `AWSAccessKeyId`, `SignatureMethod`, `SignatureVersion` and `Version` pairs, each
    /// `name=value` with the value percent-encoded, concatenated in that order. They are the
    /// same for every request, so they are encoded once at init.
    private let constantPairs: [UInt8]
    /// End offsets in `constantPairs` of the `AWSAccessKeyId`, `SignatureMethod` and
    /// `SignatureVersion` pairs. The `Version` pair ends at `constantPairs.count`.
    private let constantPairEnds: (accessKey: Int, method: Int, signatureVersion: Int)
    /// The last `Timestamp` value, percent-encoded, and the whole second it encodes.
    /// Requests signed within the same second reuse it rather than formatting the date again.
    private let lastTimestamp = Mutex<(second: Int64, encoded: EncodedTimestamp)?>(nil)

    /// `version` is `2010-08-28` by default; `2008-09-17` has the same shapes for every action
    /// used here. `clock` supplies the `Timestamp` and is injectable for tests.
    public init(endpoint: URL, credentials: FPSCredentials, transport: any HTTPTransport,
                signatureMethod: SignatureMethod = .hmacSHA256, httpMethod: HTTPMethodChoice = .post,
                version: String = "2010-08-28", clock: @escaping @Sendable () -> Date = { Date() },
                events: FPSEventSink? = nil) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.transport = transport
        self.signatureMethod = signatureMethod
        self.httpMethod = httpMethod
        self.version = version
        self.clock = clock
        self.events = events
        self.endpointParts = endpoint.fpsParts
        let parts = endpointParts ?? URLParts(scheme: "https", host: endpoint.host ?? "", port: endpoint.port, path: endpoint.path, rawQuery: nil)
        self.signingHeader = Array("\(httpMethod.rawValue)\n\(parts.hostLine.lowercased())\n\(SignatureV2.canonicalPath(parts.path))\n".utf8)
        var headers = ["Host": parts.hostLine, "Accept": "application/xml, text/xml"]
        if httpMethod == .post { headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8" }
        self.requestHeaders = headers

        var pairs = Array("AWSAccessKeyId=".utf8) + Array(PercentEncoding.encode(credentials.accessKeyID).utf8)
        let accessKeyEnd = pairs.count
        pairs += Array("SignatureMethod=".utf8) + Array(PercentEncoding.encode(signatureMethod.rawValue).utf8)
        let methodEnd = pairs.count
        pairs += Array("SignatureVersion=2".utf8)
        let signatureVersionEnd = pairs.count
        pairs += Array("Version=".utf8) + Array(PercentEncoding.encode(version).utf8)
        self.constantPairs = pairs
        self.constantPairEnds = (accessKeyEnd, methodEnd, signatureVersionEnd)
    }

    // MARK: - FPSActions

    public func pay(senderTokenID: String, amount: Money, callerReference: String) async throws(FPSError) -> TransactionResult {
        try Validation.tokenID(senderTokenID, role: "sender token id")
        try Validation.amount(amount)
        try Validation.callerReference(callerReference)
        let response = try await call("Pay", paymentParameters(senderTokenID: senderTokenID, amount: amount, callerReference: callerReference))
        return try finish("Pay", response) { response throws(FPSError) in try FPSResponseDecoder.transactionResult(action: "Pay", response: response) }
    }

    public func reserve(senderTokenID: String, amount: Money, callerReference: String) async throws(FPSError) -> TransactionResult {
        try Validation.tokenID(senderTokenID, role: "sender token id")
        try Validation.amount(amount)
        try Validation.callerReference(callerReference)
        let response = try await call("Reserve", paymentParameters(senderTokenID: senderTokenID, amount: amount, callerReference: callerReference))
        return try finish("Reserve", response) { response throws(FPSError) in try FPSResponseDecoder.transactionResult(action: "Reserve", response: response) }
    }

    public func settle(reserveTransactionID: String, amount: Money?) async throws(FPSError) -> TransactionResult {
        try Validation.identifier(reserveTransactionID, role: "reserve transaction id")
        var parameters = [QueryParameter("ReserveTransactionId", reserveTransactionID)]
        if let amount {
            try Validation.amount(amount)
            parameters += amountParameters("TransactionAmount", amount)
        }
        let response = try await call("Settle", parameters)
        return try finish("Settle", response) { response throws(FPSError) in try FPSResponseDecoder.transactionResult(action: "Settle", response: response) }
    }

    public func getTransactionStatus(transactionID: String) async throws(FPSError) -> TransactionResult {
        try Validation.identifier(transactionID, role: "transaction id")
        let response = try await call("GetTransactionStatus", [QueryParameter("TransactionId", transactionID)])
        return try finish("GetTransactionStatus", response) { response throws(FPSError) in
            try FPSResponseDecoder.transactionResult(action: "GetTransactionStatus", response: response)
        }
    }

    // MARK: - Further actions

    /// Cancels a Reserved or Pending transaction.
    public func cancel(transactionID: String, description: String? = nil) async throws(FPSError) -> TransactionResult {
        try Validation.identifier(transactionID, role: "transaction id")
        var parameters = [QueryParameter("TransactionId", transactionID)]
        if let description { parameters.append(QueryParameter("Description", description)) }
        let response = try await call("Cancel", parameters)
        return try finish("Cancel", response) { response throws(FPSError) in try FPSResponseDecoder.transactionResult(action: "Cancel", response: response) }
    }

    /// Refunds a successful transaction; `amount` nil refunds everything not yet refunded.
    /// Every refund needs its own `callerReference`.
    public func refund(transactionID: String, callerReference: String, amount: Money? = nil, callerDescription: String? = nil) async throws(FPSError) -> TransactionResult {
        try Validation.identifier(transactionID, role: "transaction id")
        try Validation.callerReference(callerReference)
        var parameters = [QueryParameter("TransactionId", transactionID), QueryParameter("CallerReference", callerReference)]
        if let amount {
            try Validation.amount(amount)
            parameters += amountParameters("RefundAmount", amount)
        }
        if let callerDescription { parameters.append(QueryParameter("CallerDescription", callerDescription)) }
        let response = try await call("Refund", parameters)
        return try finish("Refund", response) { response throws(FPSError) in try FPSResponseDecoder.transactionResult(action: "Refund", response: response) }
    }

    /// Asks FPS to verify a return URI or IPN: `urlEndPoint` is the receiving URL without
    /// query, `httpParameters` the raw query or POST body exactly as received.
    public func verifySignature(urlEndPoint: String, httpParameters: String) async throws(FPSError) -> VerifySignatureResult {
        try Validation.identifier(urlEndPoint, role: "UrlEndPoint")
        try Validation.identifier(httpParameters, role: "HttpParameters")
        let response = try await call("VerifySignature", [QueryParameter("UrlEndPoint", urlEndPoint), QueryParameter("HttpParameters", httpParameters)])
        return try finish("VerifySignature", response) { response throws(FPSError) in try FPSResponseDecoder.verifySignatureResult(response: response) }
    }

    /// Recovers the token a CBUI `callerReference` produced when its return redirect was lost.
    public func getTokenByCaller(callerReference: String) async throws(FPSError) -> FPSToken {
        try Validation.callerReference(callerReference)
        let response = try await call("GetTokenByCaller", [QueryParameter("CallerReference", callerReference)])
        return try finish("GetTokenByCaller", response) { response throws(FPSError) in try FPSResponseDecoder.tokenResult(response: response) }
    }

    /// Cancels a token this caller installed and returns the request id.
    @discardableResult
    public func cancelToken(tokenID: String, reasonText: String? = nil) async throws(FPSError) -> String? {
        try Validation.tokenID(tokenID, role: "token id")
        var parameters = [QueryParameter("TokenId", tokenID)]
        if let reasonText { parameters.append(QueryParameter("ReasonText", reasonText)) }
        let response = try await call("CancelToken", parameters)
        return try finish("CancelToken", response) { response throws(FPSError) in
            try FPSResponseDecoder.metadataOnlyResult(action: "CancelToken", response: response)
        }
    }

    // MARK: - Signing

    /// Builds the signed request for `action` with `parameters`, adding `Action`,
    /// `AWSAccessKeyId`, `SignatureMethod`, `SignatureVersion`, `Timestamp` and `Version`.
    ///
    /// Parameters go in byte order of their names with `Signature` last, in the query for GET
    /// and in a form body for POST. The host line is what goes in the `Host` header: the host,
    /// with `:port` when the port is not the scheme's default, because that is what URLSession
    /// sends. A supplied parameter with one of the added names is replaced by the added one.
    public func signedRequest(action: String, parameters: [QueryParameter]) -> HTTPRequest {
        let supplied = parameters.contains { Self.isAddedName($0.name) } ? parameters.filter { !Self.isAddedName($0.name) } : parameters

        let verb = httpMethod.rawValue
        let wireBytes = withAddedPairs(action: action) { pairs, pairEnds in
            signingHeader.withUnsafeBufferPointer { header in
                StringToSignBuffer.with(header: header, supplied: supplied, fixedNames: Self.addedNames,
                                        fixedPairs: pairs, fixedPairEnds: pairEnds) { buffer in
                    SignatureV2.withSignature(of: buffer.message, secretKey: credentials.secretKey, method: signatureMethod) { signature in
                        buffer.append("&Signature=")
                        buffer.appendEncoded(signature)
                        return Data(buffer: buffer.queryAndAppended)
                    }
                }
            }
        }

        switch httpMethod {
        case .get:
            let base = endpoint.absoluteString.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let url = URL(string: base + "?" + String(decoding: wireBytes, as: UTF8.self)) ?? endpoint
            return HTTPRequest(method: verb, url: url, headers: requestHeaders, body: nil)
        case .post:
            return HTTPRequest(method: verb, url: endpoint, headers: requestHeaders, body: wireBytes)
        }
    }

    /// Writes the six added pairs in the byte order of `addedNames` to a stack buffer, each
    /// `name=value` percent-encoded, and calls `body` with the bytes and the end of each pair.
    private func withAddedPairs<Result>(action: String,
                                        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int>) -> Result) -> Result {
        let date = clock()
        let cached = lastTimestamp.withLock { $0 }
        let second = Self.wholeSecond(date)
        let timestamp = cached.flatMap { $0.second == second ? $0.encoded : nil }
        // A timestamp outside the cache is formatted as a String, which is ASCII and at most
        // a few dozen bytes, so three bytes per UTF-8 byte always fit.
        let timestampText = timestamp == nil ? Self.timestamp(date) : ""
        let capacity = constantPairs.count + "Action=".utf8.count + action.utf8.count * 3
            + "Timestamp=".utf8.count + max(EncodedTimestamp.capacity, timestampText.utf8.count * 3)

        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { pairs in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: Self.addedNames.count) { ends in
                let start = pairs.baseAddress!
                constantPairs.withUnsafeBufferPointer { constant in
                    let constantEnds = constantPairEnds
                    var position = 0
                    func copyConstant(from begin: Int, to end: Int) {
                        (start + position).update(from: constant.baseAddress! + begin, count: end - begin)
                        position += end - begin
                    }
                    func copyName(_ name: StaticString) {
                        (start + position).update(from: name.utf8Start, count: name.utf8CodeUnitCount)
                        position += name.utf8CodeUnitCount
                    }

                    copyConstant(from: 0, to: constantEnds.accessKey)
                    ends[0] = position
                    copyName("Action=")
                    position = StringToSignBuffer.appendEncoded(action, into: start, at: position)
                    ends[1] = position
                    copyConstant(from: constantEnds.accessKey, to: constantEnds.method)
                    ends[2] = position
                    copyConstant(from: constantEnds.method, to: constantEnds.signatureVersion)
                    ends[3] = position
                    copyName("Timestamp=")
                    if let timestamp {
                        position = timestamp.copy(into: start, at: position)
                    } else {
                        let valueStart = position
                        position = StringToSignBuffer.appendEncoded(timestampText, into: start, at: position)
                        if let encoded = EncodedTimestamp(UnsafeBufferPointer(start: start + valueStart, count: position - valueStart)) {
                            lastTimestamp.withLock { $0 = (second, encoded) }
                        }
                    }
                    ends[4] = position
                    copyConstant(from: constantEnds.signatureVersion, to: constant.count)
                    ends[5] = position
                }
                return body(UnsafeBufferPointer(start: start, count: ends[5]), UnsafeBufferPointer(ends))
            }
        }
    }

    /// The whole second `timestamp` prints for `date`. DateFormatter rounds to the nearest
    /// millisecond before it takes whole seconds, and so does this.
    private static func wholeSecond(_ date: Date) -> Int64 {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        return Int64(exactly: (milliseconds / 1000).rounded(.down)) ?? Int64.min
    }

    /// The names `signedRequest` sets itself, in byte order, so that only the supplied
    /// parameters need sorting.
    private static let addedNames: [StaticString] = [
        "AWSAccessKeyId", "Action", "SignatureMethod", "SignatureVersion", "Timestamp", "Version",
    ]

    /// True for the names `signedRequest` sets itself. A supplied parameter with one of them is dropped.
    private static func isAddedName(_ name: String) -> Bool {
        // The length check first, because most supplied names match no added name's length
        // and a String comparison costs more than the rest of this function.
        switch name.utf8.count {
        case 6: return name == "Action"
        case 7: return name == "Version"
        case 9: return name == "Timestamp" || name == "Signature"
        case 14: return name == "AWSAccessKeyId"
        case 15: return name == "SignatureMethod"
        case 16: return name == "SignatureVersion"
        default: return false
        }
    }

    /// A percent-encoded `Timestamp` value held inline, so the cache read copies it without
    /// reference counting. `2011-10-03T15%3A19%3A41Z` is 24 bytes.
    private struct EncodedTimestamp {
        static let capacity = 32
        let count: Int
        let bytes: SIMD32<UInt8>

        /// Nil when `encoded` is longer than `capacity`, which only the DateFormatter path for
        /// years outside 1583 to 9999 could produce. Such a value is not cached.
        init?(_ encoded: UnsafeBufferPointer<UInt8>) {
            guard encoded.count <= Self.capacity else { return nil }
            var bytes = SIMD32<UInt8>()
            for index in encoded.indices { bytes[index] = encoded[index] }
            self.count = encoded.count
            self.bytes = bytes
        }

        func copy(into start: UnsafeMutablePointer<UInt8>, at position: Int) -> Int {
            withUnsafeBytes(of: bytes) { raw in
                UnsafeMutableRawPointer(start + position).copyMemory(from: raw.baseAddress!, byteCount: count)
            }
            return position + count
        }
    }

    /// `yyyy-MM-dd'T'HH:mm:ss'Z'` in UTC, the form boto and the Ruby gems sent.
    ///
    /// Formatted by hand for years 1583 to 9999, because a DateFormatter costs more than the
    /// rest of the signature. Other years go through DateFormatter, whose calendar switches
    /// to Julian before 1583.
    static func timestamp(_ date: Date) -> String {
        let seconds = wholeSecond(date)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Civil date from days since 1970-01-01 in the proleptic Gregorian calendar.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard (1583...9999).contains(year) else { return formattedTimestamp(date) }

        var bytes = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int64, at offset: Int, digits: Int) {
            var rest = value
            for position in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        put(year, at: 0, digits: 4)
        put(month, at: 5, digits: 2)
        put(day, at: 8, digits: 2)
        put(secondOfDay / 3600, at: 11, digits: 2)
        put(secondOfDay / 60 % 60, at: 14, digits: 2)
        put(secondOfDay % 60, at: 17, digits: 2)
        for (offset, separator) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "Z")] as [(Int, Unicode.Scalar)] {
            bytes[offset] = UInt8(ascii: separator)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func formattedTimestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return formatter.string(from: date)
    }

    // MARK: - Sending

    private func paymentParameters(senderTokenID: String, amount: Money, callerReference: String) -> [QueryParameter] {
        [QueryParameter("SenderTokenId", senderTokenID), QueryParameter("CallerReference", callerReference)]
            + amountParameters("TransactionAmount", amount)
    }

    private func amountParameters(_ name: String, _ amount: Money) -> [QueryParameter] {
        [QueryParameter("\(name).Value", amount.decimalString), QueryParameter("\(name).CurrencyCode", amount.currency)]
    }

    private struct Exchange {
        let response: HTTPResponse
        let elapsedMilliseconds: Int
    }

    private func call(_ action: String, _ parameters: [QueryParameter]) async throws(FPSError) -> Exchange {
        guard endpointParts != nil else {
            throw .invalidRequest("The API endpoint \(endpoint.absoluteString) is not an absolute http or https URL. Fix the endpoint setting.")
        }
        let request = signedRequest(action: action, parameters: parameters)
        emit(.request, EventText.request(action: action, request: request, parameters: parameters))

        let start = ContinuousClock.now
        do {
            let response = try await transport.send(request)
            return Exchange(response: response, elapsedMilliseconds: Self.milliseconds(since: start))
        } catch {
            emit(.failure, "\(action) failed after \(Self.milliseconds(since: start)) ms: \(error.description)")
            throw error
        }
    }

    /// Decodes the response and reports it to `events`, success or error alike.
    private func finish<Result>(_ action: String, _ exchange: Exchange, decode: (HTTPResponse) throws(FPSError) -> Result) throws(FPSError) -> Result {
        do {
            let result = try decode(exchange.response)
            emit(.response, EventText.response(action: action, status: exchange.response.status, elapsed: exchange.elapsedMilliseconds, result: result))
            return result
        } catch {
            emit(.failure, EventText.failure(action: action, status: exchange.response.status, elapsed: exchange.elapsedMilliseconds, error: error))
            throw error
        }
    }

    private func emit(_ kind: FPSEvent.Kind, _ text: String) {
        events?(FPSEvent(time: clock(), kind: kind, text: text))
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Checks arguments before anything is signed, so a bad value never reaches FPS.
enum Validation {
    static func amount(_ amount: Money) throws(FPSError) {
        guard amount.currency == "USD" else {
            throw .invalidRequest("The currency \(amount.currency) is not supported: FPS accepts only USD.")
        }
        guard amount.minorUnits > 0 else {
            throw .invalidRequest("The amount \(amount) is not positive: FPS needs at least USD 0.01.")
        }
    }

    static func callerReference(_ reference: String) throws(FPSError) {
        guard !reference.isEmpty else {
            throw .invalidRequest("The CallerReference is empty: every payment request needs a unique reference of 1 to 128 characters.")
        }
        guard reference.count <= 128 else {
            throw .invalidRequest("The CallerReference \"\(reference.prefix(20))…\" is \(reference.count) characters long: FPS allows at most 128.")
        }
    }

    static func identifier(_ value: String, role: String) throws(FPSError) {
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidRequest("The \(role) is empty: pass the value FPS returned.")
        }
    }

    static func tokenID(_ value: String, role: String) throws(FPSError) {
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidRequest("The \(role) is empty: authorize the customer through the CBUI first.")
        }
    }
}

/// Event-log lines for the API client. Token ids, `HttpParameters` and signatures are
/// redacted; references, transaction ids and amounts are shown because clerks need them.
enum EventText {
    static let redactedParameters: Set<String> = ["SenderTokenId", "RecipientTokenId", "TokenId", "HttpParameters", "Signature"]

    static func request(action: String, request: HTTPRequest, parameters: [QueryParameter]) -> String {
        let host = request.headers["Host"] ?? request.url.host ?? "?"
        var fields = parameters.map { parameter in
            let value = redactedParameters.contains(parameter.name) ? Redaction.secret(parameter.value) : parameter.value
            return "\(parameter.name)=\(value)"
        }
        if let signature = signature(of: request) { fields.append("Signature=\(Redaction.secret(signature))") }
        return "\(action) \(request.method) \(host) " + fields.joined(separator: " ")
    }

    static func response(action: String, status: Int, elapsed: Int, result: Any) -> String {
        var fields: [String] = []
        switch result {
        case let transaction as TransactionResult:
            fields = ["TransactionId=\(transaction.transactionID)", "TransactionStatus=\(transaction.status.rawValue)"]
            if let code = transaction.statusCode { fields.append("StatusCode=\(code)") }
            if let requestID = transaction.requestID { fields.append("RequestId=\(requestID)") }
        case let verification as VerifySignatureResult:
            fields = ["VerificationStatus=\(verification.verificationStatus)"]
            if let requestID = verification.requestID { fields.append("RequestId=\(requestID)") }
        case let token as FPSToken:
            fields = ["TokenId=\(Redaction.secret(token.tokenID))", "TokenStatus=\(token.tokenStatus ?? "?")"]
            if let requestID = token.requestID { fields.append("RequestId=\(requestID)") }
        case let requestID as String:
            fields = ["RequestId=\(requestID)"]
        default:
            break
        }
        return "\(action) HTTP \(status) in \(elapsed) ms" + (fields.isEmpty ? "" : ": " + fields.joined(separator: " "))
    }

    static func failure(action: String, status: Int, elapsed: Int, error: FPSError) -> String {
        switch error {
        case .service(let code, _, let requestID, _):
            return "\(action) HTTP \(status) in \(elapsed) ms: \(code)" + (requestID.map { " RequestId=\($0)" } ?? "")
        default:
            return "\(action) HTTP \(status) in \(elapsed) ms: \(error.description)"
        }
    }

    private static func signature(of request: HTTPRequest) -> String? {
        let raw: Substring
        if let body = request.body {
            raw = Substring(String(decoding: body, as: UTF8.self))
        } else if let query = request.url.query(percentEncoded: true) {
            raw = Substring(query)
        } else {
            return nil
        }
        return (try? QueryString.parse(raw))?.first { $0.name == "Signature" }?.value
    }
}

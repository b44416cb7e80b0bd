import CCrypto
import Foundation
import FPSClient

/// An FPS error response: the code clients switch on, a message naming the problem, and the HTTP status.
struct APIError: Error, Sendable {
    let code: String
    let message: String
    let httpStatus: Int

    /// Creates a request or business-rule error with HTTP 400, the status FPS documented for `InvalidTokenId_Sender`.
    static func business(_ code: String, _ message: String) -> APIError {
        APIError(code: code, message: message, httpStatus: 400)
    }

    static func invalidParams(_ message: String) -> APIError { business("InvalidParams", message) }

    /// Creates an authentication error with HTTP 403. FPS's pages do not name the status, so this follows the AWS convention.
    static func authentication(_ code: String, _ message: String) -> APIError {
        APIError(code: code, message: message, httpStatus: 403)
    }

    static func internalError(_ message: String) -> APIError {
        APIError(code: "InternalError", message: message, httpStatus: 500)
    }
}

/// One child element of an `<Action>Result` element: text, or nested elements such as
/// GetTokenByCaller's `<Token>`.
struct ResultField: Sendable, Equatable {
    let name: String
    let value: String
    /// Nested elements, written in place of `value` when not empty.
    let children: [ResultField]

    init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
        children = []
    }

    init(_ name: String, children: [ResultField]) {
        self.name = name
        value = ""
        self.children = children
    }
}

/// An authenticated API request with its decoded parameters.
struct APIRequest: Sendable {
    let action: String
    let version: String
    let callerKey: String
    let parameters: [QueryParameter]
    let values: [String: String]
    let now: Date

    /// Returns the value of `name`, treating an empty value as absent.
    func optional(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    func required(_ name: String) throws(APIError) -> String {
        guard let value = optional(name) else {
            throw .invalidParams("The request must contain the parameter \(name).")
        }
        return value
    }

    /// Returns `name` after checking it is at most `maximumLength` characters.
    func text(_ name: String, required: Bool, maximumLength: Int) throws(APIError) -> String? {
        let value = required ? try self.required(name) : optional(name)
        if let value, value.count > maximumLength {
            throw .invalidParams("\(name) must be at most \(maximumLength) characters; it has \(value.count).")
        }
        return value
    }

    /// Returns `name` after checking it is one of `allowed`.
    func choice(_ name: String, allowed: [String]) throws(APIError) -> String? {
        guard let value = optional(name) else { return nil }
        guard allowed.contains(value) else {
            throw .invalidParams("\(name) must be one of \(allowed.joined(separator: ", ")); got \(Self.quoted(value)).")
        }
        return value
    }

    /// Parses `<prefix>.Value` as a decimal amount; returns nil when it is absent and optional.
    /// The currency is returned as sent and checked later with the other amount rules.
    func amount(_ prefix: String, required: Bool) throws(APIError) -> (value: Money, currency: String)? {
        let valueName = prefix + ".Value"
        let currencyName = prefix + ".CurrencyCode"
        guard let text = required ? try self.required(valueName) : optional(valueName) else { return nil }
        let currency = try self.required(currencyName)
        // parseWire accepts `12`, `12.5`, `12.50` and zero padding such as `12.500000`, and rejects
        // signs, exponents and non-zero digits below the cent.
        guard let money = Money.parseWire(text, currency: currency) else {
            throw .invalidParams("\(valueName) must be a positive amount with at most two decimals. Got: \(Self.quoted(text))")
        }
        return (money, currency)
    }

    static func quoted(_ value: String) -> String {
        value.count > 40 ? "\"\(value.prefix(40))…\"" : "\"\(value)\""
    }
}

/// An API action: its handler and whether it may arrive unsigned.
struct APIAction: Sendable {
    let handler: @Sendable (APIService, APIRequest) throws(APIError) -> [ResultField]?
    /// True only for actions FPS accepted without a signature. Amazon's 2010 helper libraries
    /// called VerifySignature unsigned, so it is the one action with this flag.
    var allowsUnsigned = false
}

/// The FPS API served at `/`: authentication, the common checks, and dispatch to the actions.
final class APIService: Sendable {
    static let supportedVersions = ["2010-08-28", "2008-09-17"]

    /// Requests whose Timestamp is further than this from the sandbox clock, in either direction,
    /// are rejected with RequestExpired. FPS's window is undocumented; 15 minutes is the AWS
    /// Query convention of the same era.
    static let timestampWindow: TimeInterval = 15 * 60

    /// The actions by `Action` name. A new action is one entry here plus its handler.
    static let actions: [String: APIAction] = [
        "Pay": APIAction { service, request throws(APIError) in try service.pay(request) },
        "Reserve": APIAction { service, request throws(APIError) in try service.reserve(request) },
        "Settle": APIAction { service, request throws(APIError) in try service.settle(request) },
        "GetTransactionStatus": APIAction { service, request throws(APIError) in try service.getTransactionStatus(request) },
        "Cancel": APIAction { service, request throws(APIError) in try service.cancel(request) },
        "Refund": APIAction { service, request throws(APIError) in try service.refund(request) },
        "CancelToken": APIAction { service, request throws(APIError) in try service.cancelToken(request) },
        "GetTokenByCaller": APIAction { service, request throws(APIError) in try service.getTokenByCaller(request) },
        "VerifySignature": APIAction(handler: { service, request throws(APIError) in try service.verifyOutboundSignature(request) },
                                     allowsUnsigned: true),
    ]

    let store: SandboxStore
    /// The key that signs return redirects, used by VerifySignature.
    let identity: SigningIdentity
    let pendingSeconds: Double
    /// Business time, for `APIRequest.now`.
    let clock: @Sendable () -> Date
    /// The unshifted clock that request `Timestamp` and `Expires` values are checked against.
    let wallClock: @Sendable () -> Date
    let log: @Sendable (String) -> Void
    /// The bound port, read when building host lines for signature checks.
    let port: @Sendable () -> UInt16

    init(store: SandboxStore, identity: SigningIdentity, pendingSeconds: Double, clock: @escaping @Sendable () -> Date,
         wallClock: @escaping @Sendable () -> Date, log: @escaping @Sendable (String) -> Void,
         port: @escaping @Sendable () -> UInt16) {
        self.store = store
        self.identity = identity
        self.pendingSeconds = pendingSeconds
        self.clock = clock
        self.wallClock = wallClock
        self.log = log
        self.port = port
    }

    /// Handles one HTTP request to `/` and returns the XML response.
    func handle(_ http: ServerRequest) -> ServerResponse {
        let requestID = RequestID.make()
        do throws(APIError) {
            let request = try authenticate(http)
            guard let action = Self.actions[request.action] else {
                throw .invalidParams("Action \(APIRequest.quoted(request.action)) is not supported by this sandbox. Supported: \(Self.actions.keys.sorted().joined(separator: ", ")).")
            }
            let fields = try action.handler(self, request)
            let document = APIDocument.success(action: request.action, version: request.version, fields: fields,
                                               requestID: requestID + ":0")
            return ServerResponse(status: 200, contentType: "text/xml; charset=utf-8", bytes: document)
        } catch {
            // Messages can quote request values, so only 5xx messages, which come from the sandbox itself, are logged.
            if error.httpStatus >= 500 {
                log("sandbox API request \(requestID) failed: \(error.code): \(error.message)")
            } else {
                log("sandbox API request \(requestID) rejected with HTTP \(error.httpStatus) \(error.code)")
            }
            return ServerResponse(status: error.httpStatus, contentType: "text/xml; charset=utf-8",
                                body: APIDocument.error(code: error.code, message: error.message, requestID: requestID))
        }
    }

    /// Parses the request and runs the checks every action shares, in FPS's order: parameters,
    /// access key, signature, Timestamp, then Version and Action.
    private func authenticate(_ http: ServerRequest) throws(APIError) -> APIRequest {
        let parameters = try Self.parameters(of: http)
        // Sized up front, because growing a dictionary rehashes every name already in it.
        var values = [String: String](minimumCapacity: parameters.count)
        for parameter in parameters { values[parameter.name] = parameter.value }
        let actionName = values["Action"] ?? ""
        let now = clock()

        let unsigned = Self.actions[actionName]?.allowsUnsigned == true && values["Signature"] == nil
        var callerKey = ""
        if !unsigned {
            callerKey = try verifySignature(http, parameters: parameters, values: values)
            try Self.checkRequestTime(timestamp: values["Timestamp"], expires: values["Expires"], now: wallClock())
        }

        guard let version = values["Version"], !version.isEmpty else {
            throw .invalidParams("The request must contain the parameter Version (2010-08-28 or 2008-09-17).")
        }
        guard Self.supportedVersions.contains(version) else {
            throw .invalidParams("Version \(APIRequest.quoted(version)) is not supported; use 2010-08-28 or 2008-09-17.")
        }
        guard !actionName.isEmpty else { throw .invalidParams("The request must contain the parameter Action.") }
        return APIRequest(action: actionName, version: version, callerKey: callerKey, parameters: parameters,
                          values: values, now: now)
    }

    private static func parameters(of http: ServerRequest) throws(APIError) -> [QueryParameter] {
        let raw: String
        switch http.method {
        case "GET":
            raw = http.rawQuery
        case "POST":
            if let type = http.contentType,
               !type.lowercased().hasPrefix("application/x-www-form-urlencoded") {
                throw .invalidParams("A POST body must be application/x-www-form-urlencoded; got Content-Type \(APIRequest.quoted(type)).")
            }
            guard http.rawQuery.isEmpty else {
                throw .invalidParams("Send the parameters in the POST body or in the query string, not in both.")
            }
            guard let body = String(validating: http.body, as: UTF8.self) else {
                throw .invalidParams("The POST body is not valid UTF-8.")
            }
            raw = body
        default:
            throw APIError(code: "InvalidParams", message: "HTTP method \(http.method) is not supported; use GET or POST.",
                           httpStatus: 405)
        }
        do {
            return try QueryString.parse(raw[...])
        } catch {
            throw .invalidParams(error.description)
        }
    }

    /// Checks the access key and the Signature Version 2 HMAC and returns the access key.
    private func verifySignature(_ http: ServerRequest, parameters: [QueryParameter], values: [String: String]) throws(APIError) -> String {
        guard let accessKey = values["AWSAccessKeyId"], !accessKey.isEmpty else {
            throw .invalidParams("The request must contain the parameter AWSAccessKeyId.")
        }
        let secret: String?
        do {
            secret = try store.secretKey(forCaller: accessKey)
        } catch {
            throw .internalError("The sandbox database could not be read: \(error)")
        }
        guard let secret else {
            throw .authentication("InvalidClientTokenId", "The AWS Access Key Id \(APIRequest.quoted(accessKey)) is not registered with this sandbox.")
        }
        guard values["SignatureVersion"] == "2" else {
            throw .invalidParams("SignatureVersion must be 2; got \(APIRequest.quoted(values["SignatureVersion"] ?? "")).")
        }
        guard let method = values["SignatureMethod"].flatMap(SignatureMethod.init(rawValue:)) else {
            throw .invalidParams("SignatureMethod must be HmacSHA256 or HmacSHA1; got \(APIRequest.quoted(values["SignatureMethod"] ?? "")).")
        }
        guard let signature = values["Signature"], !signature.isEmpty else {
            throw .invalidParams("The request must contain the parameter Signature.")
        }
        let matched = RequestSignature.matches(
            signature: signature, verb: http.method, hostLines: RequestSignature.hostLines(port: port(), hostHeader: http.host),
            path: "/", parameters: parameters, signatureName: "Signature", secretKey: secret, method: method)
        guard matched else {
            throw .authentication("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
        }
        return accessKey
    }

    /// Checks the request's time: `Timestamp` as FPS documents it, or `Expires` in its place as
    /// other AWS Query services of the time accepted. A request may not carry both.
    static func checkRequestTime(timestamp: String?, expires: String?, now: Date) throws(APIError) {
        let timestamp = timestamp.flatMap { $0.isEmpty ? nil : $0 }
        let expires = expires.flatMap { $0.isEmpty ? nil : $0 }
        switch (timestamp, expires) {
        case (_?, _?):
            throw .invalidParams("The request contains both Timestamp and Expires; send only one of them.")
        case let (nil, expires?):
            try checkExpires(expires, now: now)
        default:
            try checkTimestamp(timestamp, now: now)
        }
    }

    /// Checks `Expires`: ISO 8601 like Timestamp, and not before `now`.
    /// NOTE: FPS never documented Expires, so the sandbox sets no upper limit on how far ahead it may be.
    static func checkExpires(_ value: String, now: Date) throws(APIError) {
        guard let date = ISO8601Timestamp.parse(value) else {
            throw APIError.business("InvalidParameterValue", "Value \(APIRequest.quoted(value)) for parameter Expires is invalid. Must be in ISO8601 format, for example 2011-10-03T15:19:41Z.")
        }
        if now > date {
            throw APIError.business("RequestExpired", "Request has expired. Expires date is \(value); the sandbox's wall clock reads \(ISO8601Timestamp.format(now)).")
        }
    }

    /// Checks `Timestamp`: ISO 8601 with seconds and an explicit zone, within `timestampWindow` of `now`.
    static func checkTimestamp(_ value: String?, now: Date) throws(APIError) {
        guard let value, !value.isEmpty else {
            throw .invalidParams("The request must contain the parameter Timestamp.")
        }
        guard let date = ISO8601Timestamp.parse(value) else {
            throw APIError.business("InvalidParameterValue", "Value \(APIRequest.quoted(value)) for parameter Timestamp is invalid. Must be in ISO8601 format, for example 2011-10-03T15:19:41Z.")
        }
        if abs(date.timeIntervalSince(now)) > timestampWindow {
            throw APIError.business("RequestExpired", "Request has expired. Timestamp date is \(value); the sandbox clock reads \(ISO8601Timestamp.format(now)) and accepts 15 minutes either way.")
        }
    }

    /// Runs `body` in one database transaction, passing APIError through and turning
    /// database failures into InternalError.
    func inTransaction<T>(_ body: () throws -> T) throws(APIError) -> T {
        do {
            return try store.database.transaction(body)
        } catch let error as APIError {
            throw error
        } catch {
            throw .internalError("The sandbox database failed: \(error)")
        }
    }
}

/// Signature Version 2 checks shared by the API and the CBUI.
enum RequestSignature {
    /// Lists the host lines a valid signature may use: the lower-cased Host header with and
    /// without its port, then `127.0.0.1` with and without the bound port. Clients disagree on
    /// whether the port belongs in the host line, so the sandbox accepts both forms. The Host
    /// header's own form comes first because most signers use it, so `matches` usually stops
    /// after one HMAC.
    static func hostLines(port: UInt16, hostHeader: String?) -> [String] {
        var lines: [String] = []
        lines.reserveCapacity(4)
        func add(_ line: String) {
            if !lines.contains(line) { lines.append(line) }
        }
        if let header = hostHeader?.lowercased(), !header.isEmpty {
            add(header)
            if let colon = header.lastIndex(of: ":"), !header.hasSuffix("]") {
                add(String(header[..<colon]))
            }
        }
        add("127.0.0.1:\(port)")
        add("127.0.0.1")
        return lines
    }

    /// Returns true when `signature` matches the one computed for any of `hostLines`, tried in order.
    /// Each comparison takes time independent of where the signatures differ. Stopping at the first
    /// match only shows which host line the request used, and the request itself carries that.
    static func matches(signature: String, verb: String, hostLines: [String], path: String,
                        parameters: [QueryParameter], signatureName: String, secretKey: String,
                        method: SignatureMethod) -> Bool {
        for hostLine in hostLines {
            let expected = SignatureV2.signature(verb: verb, hostLine: hostLine, path: path, parameters: parameters,
                                                 excluding: signatureName, secretKey: secretKey, method: method)
            if SignatureV2.constantTimeEquals(expected, signature) { return true }
        }
        return false
    }
}

/// Request ids in the lower-case UUID form FPS returned.
enum RequestID {
    /// Makes a random version 4 UUID string. Foundation's UUID() opens and reads /dev/urandom
    /// on every call on Linux, which cost more than a status read. libcrypto's RAND_bytes draws
    /// from a per-thread generator that getrandom(2) seeds, so it makes no system call per id.
    static func make() -> String {
        var bytes: (UInt64, UInt64) = (0, 0)
        let filled = withUnsafeMutableBytes(of: &bytes) { raw in RAND_bytes(raw.baseAddress, Int32(raw.count)) }
        if filled != 1 {
            // RAND_bytes fails only when its generator cannot be seeded. The system generator
            // then tries getrandom(2) itself and stops the process if that fails too.
            var generator = SystemRandomNumberGenerator()
            bytes = (generator.next(), generator.next())
        }
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40
            raw[8] = raw[8] & 0x3F | 0x80
            let hex: StaticString = "0123456789abcdef"
            return String(unsafeUninitializedCapacity: 36) { output in
                var position = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        output[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    output[position] = hex.utf8Start[Int(raw[index] >> 4)]
                    output[position + 1] = hex.utf8Start[Int(raw[index] & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }
}

/// ISO 8601 timestamps as FPS requests carry them.
enum ISO8601Timestamp {
    /// Parses `YYYY-MM-DDThh:mm:ss`, optional fraction of 1 to 9 digits, then `Z` or `±hh:mm`,
    /// all in ASCII. A value without a zone is rejected, because it would be read in an unknown local time.
    ///
    /// A fixed-format scanner rather than a Regex or Calendar, because every signed API request
    /// checks its Timestamp and compiling the pattern cost more than the rest of a status read.
    /// Dates are proleptic Gregorian, which matches Foundation's calendar from 1583 on.
    static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes in parse(bytes) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        // The shortest form is `2011-10-03T15:19:41Z`, 20 bytes.
        guard bytes.count >= 20 else { return nil }
        func number(_ offset: Int, _ digits: Int) -> Int? {
            var value = 0
            for index in offset..<(offset + digits) {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func separator(_ offset: Int, _ expected: Unicode.Scalar) -> Bool { bytes[offset] == UInt8(ascii: expected) }

        guard let year = number(0, 4), separator(4, "-"), let month = number(5, 2), separator(7, "-"),
              let day = number(8, 2), separator(10, "T"), let hour = number(11, 2), separator(13, ":"),
              let minute = number(14, 2), separator(16, ":"), let second = number(17, 2),
              (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
              (1...daysInMonth(month, year: year)).contains(day)
        else { return nil }

        var position = 19
        var fraction: Double?
        if bytes[position] == UInt8(ascii: ".") {
            var digits = 0
            var value = 0
            position += 1
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                digits += 1
                position += 1
                guard digits <= 9 else { return nil }
            }
            guard digits >= 1 else { return nil }
            // Both operands are exact in a Double, so the quotient is the correctly rounded
            // value that Double("0.fff") gives.
            var scale = 1.0
            for _ in 0..<digits { scale *= 10 }
            fraction = Double(value) / scale
        }

        var offsetSeconds: Double?
        let rest = bytes.count - position
        if rest == 1 && bytes[position] == UInt8(ascii: "Z") {
            offsetSeconds = nil
        } else if rest == 6, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-"),
                  let hours = number(position + 1, 2), separator(position + 3, ":"), let minutes = number(position + 4, 2) {
            guard hours <= 23, minutes <= 59 else { return nil }
            let sign: Double = bytes[position] == UInt8(ascii: "-") ? -1 : 1
            offsetSeconds = sign * (Double(hours) * 3600 + Double(minutes) * 60)
        } else {
            return nil
        }

        let days = daysSince1970(year: year, month: month, day: day)
        var date = Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second))
        if let fraction { date += fraction }
        if let offsetSeconds { date -= offsetSeconds }
        return date
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (the days-from-civil algorithm).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// The XML documents the API returns.
enum APIDocument {
    /// Builds the success document as UTF-8 bytes, the form the HTTP layer sends.
    static func success(action: String, version: String, fields: [ResultField]?, requestID: String) -> [UInt8] {
        var xml: [UInt8] = []
        xml.reserveCapacity(640)
        xml.append(contentsOf: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<".utf8)
        xml.append(contentsOf: action.utf8)
        xml.append(contentsOf: "Response xmlns=\"http://fps.amazonaws.com/doc/".utf8)
        xml.append(contentsOf: version.utf8)
        xml.append(contentsOf: "/\">".utf8)
        if let fields {
            appendTag(action + "Result", closing: false, to: &xml)
            for field in fields { append(field, to: &xml) }
            appendTag(action + "Result", closing: true, to: &xml)
        }
        xml.append(contentsOf: "<ResponseMetadata><RequestId>".utf8)
        appendEscaped(requestID, to: &xml)
        xml.append(contentsOf: "</RequestId></ResponseMetadata></".utf8)
        xml.append(contentsOf: action.utf8)
        xml.append(contentsOf: "Response>\n".utf8)
        return xml
    }

    private static func append(_ field: ResultField, to xml: inout [UInt8]) {
        appendTag(field.name, closing: false, to: &xml)
        if field.children.isEmpty {
            appendEscaped(field.value, to: &xml)
        } else {
            for child in field.children { append(child, to: &xml) }
        }
        appendTag(field.name, closing: true, to: &xml)
    }

    private static func appendTag(_ name: String, closing: Bool, to xml: inout [UInt8]) {
        xml.append(UInt8(ascii: "<"))
        if closing { xml.append(UInt8(ascii: "/")) }
        xml.append(contentsOf: name.utf8)
        xml.append(UInt8(ascii: ">"))
    }

    /// Appends `text` with the five XML special characters replaced by their entities.
    private static func appendEscaped(_ text: String, to xml: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): xml.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): xml.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): xml.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): xml.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): xml.append(contentsOf: "&apos;".utf8)
            default: xml.append(byte)
            }
        }
    }

    /// Builds the REST error document, which has no namespace and spells `RequestID` with a capital D.
    static func error(code: String, message: String, requestID: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Response><Errors><Error><Code>\(escape(code))</Code><Message>\(escape(message))</Message></Error></Errors><RequestID>\(escape(requestID))</RequestID></Response>

        """
    }

    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            default: output.append(character)
            }
        }
        return output
    }
}

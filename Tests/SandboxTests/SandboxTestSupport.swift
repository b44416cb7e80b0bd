import CCrypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import FPSClient
@testable import Sandbox

/// A clock the tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        current = start
    }

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) {
        lock.withLock { current += seconds }
    }

    var function: @Sendable () -> Date { { self.now } }
}

/// A started sandbox on a free port with its own temporary data file, and helpers that talk
/// to it over loopback HTTP as a merchant and a buyer would.
final class SandboxHarness: @unchecked Sendable {
    let clock: TestClock
    let directory: URL
    var server: SandboxServer
    let accessKey = SandboxServer.demoAccessKeyID
    let secretKey = SandboxServer.demoSecretKey
    /// Changes to the configuration beyond data path, clock and pending time, applied on every (re)start.
    let configure: @Sendable (inout SandboxConfiguration) -> Void

    init(pendingSeconds: Double = 0, clock: TestClock = TestClock(),
         configure: @escaping @Sendable (inout SandboxConfiguration) -> Void = { _ in }) throws {
        self.clock = clock
        self.configure = configure
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        server = try SandboxServer(configuration: Self.configuration(directory: directory, clock: clock, pendingSeconds: pendingSeconds,
                                                                    configure: configure))
        try server.start()
    }

    static func configuration(directory: URL, clock: TestClock, pendingSeconds: Double,
                              configure: (inout SandboxConfiguration) -> Void) -> SandboxConfiguration {
        var configuration = SandboxConfiguration(dataPath: directory.appendingPathComponent("sandbox.sqlite").path)
        configuration.clock = clock.function
        configuration.pendingSeconds = pendingSeconds
        configure(&configuration)
        return configuration
    }

    /// Stops the server and opens a new one on the same data file.
    func restart(pendingSeconds: Double = 0) throws {
        server.stop()
        server = try SandboxServer(configuration: Self.configuration(directory: directory, clock: clock, pendingSeconds: pendingSeconds,
                                                                    configure: configure))
        try server.start()
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var hostLine: String { "127.0.0.1:\(server.port)" }

    // MARK: HTTP

    /// Sends one request and returns status, headers and body without following redirects.
    func send(_ method: String, _ target: String, body: String? = nil,
              contentType: String = "application/x-www-form-urlencoded; charset=utf-8",
              headers: [String: String] = [:], timeout: TimeInterval? = nil) async throws -> TestResponse {
        var request = URLRequest(url: URL(string: server.baseURL + target)!)
        request.httpMethod = method
        if let timeout { request.timeoutInterval = timeout }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            headers[String(describing: name).lowercased()] = String(describing: value)
        }
        return TestResponse(status: http.statusCode, headers: headers, body: String(decoding: data, as: UTF8.self))
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        return URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }()

    // MARK: API

    /// Signs `parameters` plus the envelope fields with Signature Version 2 and sends them.
    func api(_ action: String, _ parameters: [String: String], method: String = "GET",
             timestamp: String? = nil, secret: String? = nil, accessKey: String? = nil,
             version: String = "2010-08-28", hostLine: String? = nil, timeout: TimeInterval? = nil) async throws -> TestResponse {
        var all = parameters
        all["Action"] = action
        all["AWSAccessKeyId"] = accessKey ?? self.accessKey
        all["SignatureMethod"] = "HmacSHA256"
        all["SignatureVersion"] = "2"
        all["Timestamp"] = timestamp ?? Self.iso8601(clock.now)
        all["Version"] = version
        let pairs = all.map { QueryParameter($0.key, $0.value) }
        let message = SignatureV2.stringToSign(verb: method, hostLine: hostLine ?? self.hostLine, path: "/",
                                               parameters: pairs, excluding: "Signature")
        let signature = SignatureV2.sign(message, secretKey: secret ?? secretKey, method: .hmacSHA256)
        let query = QueryString.encode(pairs + [QueryParameter("Signature", signature)])
        if method == "GET" {
            return try await send("GET", "/?" + query, timeout: timeout)
        }
        return try await send("POST", "/", body: query, timeout: timeout)
    }

    /// Sends `parameters` plus Action and Version without any signature, as Amazon's 2010
    /// helper libraries sent VerifySignature.
    func unsignedAPI(_ action: String, _ parameters: [String: String], method: String = "GET") async throws -> TestResponse {
        var all = parameters
        all["Action"] = action
        all["Version"] = "2010-08-28"
        let query = QueryString.encode(all.map { QueryParameter($0.key, $0.value) })
        if method == "GET" {
            return try await send("GET", "/?" + query)
        }
        return try await send("POST", "/", body: query)
    }

    /// Sends an admin request with the demo secret in `X-Sandbox-Admin-Secret`, or with `secret` when given.
    func admin(_ method: String, _ path: String, body: String? = nil, secret: String? = nil) async throws -> TestResponse {
        try await send(method, path, body: body, headers: ["X-Sandbox-Admin-Secret": secret ?? secretKey])
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    // MARK: CBUI

    /// Returns the path and query of a signed SingleUse pipeline URL for this sandbox.
    func cbuiTarget(amount: String = "12.50", callerReference: String = "order-\(UUID().uuidString)",
                    returnURL: String = "http://127.0.0.1:9/return?shop=42&note=a%20b",
                    extra: [String: String] = [:], secret: String? = nil) -> String {
        var parameters = [
            "callerKey": accessKey, "callerReference": callerReference, "pipelineName": "SingleUse",
            "returnURL": returnURL, "transactionAmount": amount, "version": "2009-01-09",
            "signatureMethod": "HmacSHA256", "signatureVersion": "2",
        ]
        parameters.merge(extra) { _, new in new }
        let pairs = parameters.map { QueryParameter($0.key, $0.value) }
        let message = SignatureV2.stringToSign(verb: "GET", hostLine: hostLine, path: "/cobranded-ui/actions/start",
                                               parameters: pairs, excluding: "signature")
        let signature = SignatureV2.sign(message, secretKey: secret ?? secretKey, method: .hmacSHA256)
        return "/cobranded-ui/actions/start?" + QueryString.encode(pairs + [QueryParameter("signature", signature)])
    }

    /// Opens the pipeline page, submits the form, and returns the redirect's parsed parameters.
    func authorize(amount: String = "12.50", reserve: Bool = false, method: String = "CC", decision: String = "approve",
                   testOutcome: String = "", callerReference: String = "order-\(UUID().uuidString)",
                   extra: [String: String] = [:]) async throws -> ReturnRedirect {
        var extra = extra
        if reserve { extra["reserve"] = "True" }
        let page = try await send("GET", cbuiTarget(amount: amount, callerReference: callerReference, extra: extra))
        guard page.status == 200, let requestID = page.firstMatch(#"name="request" value="([A-Z0-9]+)""#) else {
            throw TestFailure("the pipeline page did not load: \(page.status) \(page.body.prefix(300))")
        }
        let form = "request=\(requestID)&paymentMethod=\(method)&testOutcome=\(testOutcome)&decision=\(decision)"
        let decided = try await send("POST", "/cobranded-ui/actions/decide", body: form)
        guard decided.status == 302, let location = decided.headers["location"] else {
            throw TestFailure("the decision did not redirect: \(decided.status) \(decided.body.prefix(300))")
        }
        return try ReturnRedirect(location)
    }

    /// Authorizes a token through the CBUI and returns its id.
    func token(amount: String = "12.50", reserve: Bool = false, method: String = "CC") async throws -> String {
        let redirect = try await authorize(amount: amount, reserve: reserve, method: method)
        guard let token = redirect.values["tokenID"] else { throw TestFailure("the return has no tokenID; status \(redirect.values["status"] ?? "missing")") }
        return token
    }
}

/// Refuses redirects so tests see the 302 and its Location.
final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct TestResponse: Sendable {
    let status: Int
    let headers: [String: String]
    let body: String

    /// Returns the body parsed as a JSON object, or an empty dictionary when it is not one.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// Returns the first capture group of `pattern` in the body.
    func firstMatch(_ pattern: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: body, range: NSRange(body.startIndex..., in: body)),
              let range = Range(match.range(at: 1), in: body) else { return nil }
        return String(body[range])
    }

    /// Returns the text of the first `<name>` element, with the five predefined XML entities decoded.
    func xml(_ name: String) -> String? {
        firstMatch("<\(name)>([^<]*)</\(name)>").map {
            $0.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
                .replacingOccurrences(of: "&amp;", with: "&")
        }
    }
}

/// A return redirect split into its endpoint and decoded parameters.
struct ReturnRedirect: Sendable {
    let location: String
    let hostLine: String
    let path: String
    let parameters: [QueryParameter]
    var values: [String: String] { Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) }) }

    init(_ location: String) throws {
        guard let components = URLComponents(string: location), let host = components.host else {
            throw TestFailure("the Location is not a URL: \(location)")
        }
        self.location = location
        hostLine = host + (components.port.map { ":\($0)" } ?? "")
        path = components.path
        parameters = try QueryString.parse((components.percentEncodedQuery ?? "")[...])
    }

    /// The URL the redirect goes to without its query, as VerifySignature's `UrlEndPoint` takes it.
    var endpoint: String { String(location.prefix { $0 != "?" }) }

    /// The query exactly as it appears in the Location, as VerifySignature's `HttpParameters` takes it.
    var rawQuery: String {
        guard let mark = location.firstIndex(of: "?") else { return "" }
        return String(location[location.index(after: mark)...])
    }

    /// The string FPS signs for a return: verb, host line, path and every parameter but `signature`.
    var stringToSign: String {
        "GET\n\(hostLine.lowercased())\n\(path)\n" + SignatureV2.canonicalQuery(parameters, excluding: "signature")
    }
}

/// Verifies an RSA-SHA1 PKCS#1 v1.5 signature with the public key of a PEM certificate,
/// calling OpenSSL directly rather than any sandbox code.
func verifyRSASHA1(message: String, base64Signature: String, certificatePEM: String) -> Bool {
    guard let signature = Data(base64Encoded: base64Signature.filter { !$0.isWhitespace }) else { return false }
    let pem = Array(certificatePEM.utf8)
    return pem.withUnsafeBytes { pemBuffer -> Bool in
        guard let bio = BIO_new_mem_buf(pemBuffer.baseAddress, Int32(pemBuffer.count)) else { return false }
        defer { BIO_free(bio) }
        guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else { return false }
        defer { X509_free(certificate) }
        guard let key = X509_get_pubkey(certificate) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        let bytes = Array(message.utf8)
        let signatureBytes = [UInt8](signature)
        guard EVP_DigestVerifyInit(context, nil, EVP_sha1(), nil, key) == 1,
              EVP_DigestVerifyUpdate(context, bytes, bytes.count) == 1 else { return false }
        return EVP_DigestVerifyFinal(context, signatureBytes, signatureBytes.count) == 1
    }
}

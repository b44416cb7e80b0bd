import Foundation
import Synchronization

/// Verifies the RSA-SHA1 signature of CBUI return URIs and IPNs, and turns a pasted return
/// URI into an `Authorization` only when every check passes.
///
/// The certificate URL arrives inside the message it is supposed to authenticate, so it is
/// used only when it starts with an allow-listed prefix. Certificates are fetched through the
/// injected transport, capped at `maximumCertificateBytes`, and cached by their full URL
/// (query included, because the URL is part of the signed data).
public final class ReturnURIVerifier: Sendable {
    /// The allow-list as applied: each entry ends with `/`, and entries that were rejected
    /// at init (see `init`) are absent.
    public let certificateAllowList: [String]
    /// Allow-list entries dropped at init, each with the reason.
    public let rejectedAllowListEntries: [(entry: String, reason: String)]
    public static let maximumCertificateBytes = 64 * 1024

    private let transport: any HTTPTransport
    private let certificateCache = Mutex<[String: CachedCertificate]>([:])

    /// Builds a verifier trusting certificates under `certificateAllowList`.
    ///
    /// Each entry is a scheme, host, optional port and path prefix; a missing trailing `/` is
    /// added so that `https://fps.amazonaws.com` cannot match `https://fps.amazonaws.com.evil.test/`.
    /// Entries must be `https`. A plain `http` entry is kept only when its host is loopback
    /// (127.0.0.0/8, `::1` or `localhost`): the embedded sandbox serves its certificate over
    /// plain HTTP on loopback, where no network attacker can change it in transit. This
    /// exception is our own choice; Amazon only ever served certificates over https.
    public init(certificateAllowList: [String], transport: any HTTPTransport) {
        var accepted: [String] = []
        var rejected: [(entry: String, reason: String)] = []
        for entry in certificateAllowList {
            switch Self.normalizeAllowListEntry(entry) {
            case .success(let prefix): accepted.append(prefix)
            case .failure(let reason): rejected.append((entry, reason.message))
            }
        }
        self.certificateAllowList = accepted
        self.rejectedAllowListEntries = rejected
        self.transport = transport
    }

    // MARK: - Certificate allow-list

    private struct EntryRejection: Error { let message: String }

    private static func normalizeAllowListEntry(_ entry: String) -> Result<String, EntryRejection> {
        guard case .success(let parts) = URLParts.parse(entry), parts.rawQuery == nil, !entry.contains("#") else {
            return .failure(EntryRejection(message: "it is not an absolute http(s) URL without query"))
        }
        if parts.scheme == "http" && !isLoopback(parts.host) {
            return .failure(EntryRejection(message: "plain http is allowed only for a loopback host"))
        }
        var prefix = "\(parts.scheme)://\(parts.hostLine)\(parts.rawPath)"
        if !prefix.hasSuffix("/") { prefix += "/" }
        return .success(prefix)
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } && Int(octet)! <= 255
        }
    }

    /// True when `certificateURL` is an absolute http(s) URL that starts with an allow-list
    /// prefix (byte for byte, trailing `/` included).
    public func isCertificateURLAllowed(_ certificateURL: String) -> Bool {
        // A cached certificate was fetched only after its URL passed this check, and the
        // allow-list never changes, so a cache hit skips the parse.
        if certificateCache.withLock({ $0[certificateURL] != nil }) { return true }
        guard case .success = URLParts.parse(certificateURL) else { return false }
        // Whitespace or control bytes never occur in a real certificate URL; refusing them
        // keeps the prefix comparison and the fetched URL the same string.
        guard !certificateURL.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else { return false }
        return certificateAllowList.contains { certificateURL.hasPrefix($0) }
    }

    // MARK: - Signature

    /// Builds the string a return URI or IPN signature covers: method, host line, encoded
    /// path and the canonical query of every parameter except `signature`.
    public static func stringToSign(httpMethod: String, hostLine: String, path: String, parameters: [QueryParameter]) -> String {
        SignatureV2.stringToSign(verb: httpMethod, hostLine: hostLine, path: path, parameters: parameters, excluding: "signature")
    }

    /// Verifies a return URI received by GET at the URI's own scheme, host, port and path.
    public func verifySignature(_ uri: ReturnURI) async -> SignatureVerification {
        await verifySignature(httpMethod: "GET", hostLine: uri.hostLine, path: uri.path, parameters: uri.parameters)
    }

    /// Verifies an IPN or a return URI with `parameters` decoded from the query string or the
    /// POST body. `endpoint` is the URL that received it, and only its scheme, host, port and
    /// path are used.
    public func verifySignature(httpMethod: String, endpoint: URL, parameters: [QueryParameter]) async -> SignatureVerification {
        guard let parts = endpoint.fpsParts else {
            return .couldNotVerify(code: "InvalidEndpoint", message: "The endpoint \(endpoint.absoluteString) is not an absolute http(s) URL, so the signed string cannot be rebuilt.")
        }
        return await verifySignature(httpMethod: httpMethod, hostLine: parts.hostLine, path: parts.path, parameters: parameters)
    }

    private func verifySignature(httpMethod: String, hostLine: String, path: String, parameters: [QueryParameter]) async -> SignatureVerification {
        func value(_ name: String) -> String? { parameters.first { $0.name == name }?.value }

        guard let version = value("signatureVersion"), version == "2" else {
            let shown = value("signatureVersion").map { "\"\($0)\"" } ?? "missing"
            return .couldNotVerify(code: "UnsupportedSignatureVersion", message: "The signatureVersion is \(shown); only version 2 (RSA-SHA1) can be verified. Ask the customer to authorize again.")
        }
        guard let method = value("signatureMethod"), method == "RSA-SHA1" else {
            let shown = value("signatureMethod").map { "\"\($0)\"" } ?? "missing"
            return .couldNotVerify(code: "UnsupportedSignatureMethod", message: "The signatureMethod is \(shown); only RSA-SHA1 can be verified. Ask the customer to authorize again.")
        }
        guard let certificateURL = value("certificateUrl"), !certificateURL.isEmpty else {
            return .couldNotVerify(code: "MissingCertificateUrl", message: "The message has no certificateUrl, so its signature cannot be checked. Ask the customer to authorize again.")
        }
        guard isCertificateURLAllowed(certificateURL) else {
            return .couldNotVerify(code: "CertificateNotAllowed", message: Self.notAllowedMessage(certificateURL))
        }
        guard let encodedSignature = value("signature"), !encodedSignature.isEmpty else {
            return .notVerified(reason: "The message carries no signature.")
        }
        // Sandbox captures wrapped the base64 at 76 columns, so whitespace is removed first.
        // An ASCII signature without whitespace, the usual case, is used as it is.
        let hasNoWhitespace = encodedSignature.utf8.allSatisfy { $0 > 0x20 && $0 < 0x80 }
        let compact = hasNoWhitespace ? encodedSignature
            : String(String.UnicodeScalarView(encodedSignature.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }))
        guard let signatureBytes = Base64.decode(compact) else {
            return .notVerified(reason: "The signature is not valid base64.")
        }

        let certificate: CachedCertificate
        switch await self.certificate(at: certificateURL) {
        case .success(let entry): certificate = entry
        case .failure(let failure): return .couldNotVerify(code: failure.code, message: failure.message)
        }

        // NOTE: the certificate's chain, validity dates and subject are not checked. Trust
        // rests on the allow-listed URL and the transport's TLS validation, as in Amazon's
        // 2010 verifiers; pinning the issuer would be extra hardening for production.
        let outcome: RSASHA1.Outcome
        switch certificate.publicKey {
        case .success(let key):
            // The same string as `stringToSign` builds, hashed from its buffer without a String copy.
            outcome = StringToSignBuffer.with(verb: httpMethod, hostLine: hostLine, path: path, parameters, excluding: "signature") { buffer in
                signatureBytes.withUnsafeBufferPointer { signature in
                    RSASHA1.verify(publicKey: key, message: buffer.message, signature: signature)
                }
            }
        case .failure(let unreadable): outcome = unreadable.outcome
        }
        switch outcome {
        case .valid:
            return .verified
        case .invalid:
            return .notVerified(reason: "The RSA-SHA1 signature does not match the parameters and endpoint.")
        case .unreadableCertificate(let detail):
            certificateCache.withLock { _ = $0.removeValue(forKey: certificateURL) }
            return .couldNotVerify(code: "CertificateUnreadable", message: "The certificate at \(Self.shortURL(certificateURL)) could not be used: \(detail). Try again later; if it persists, check the payment service.")
        }
    }

    // MARK: - Certificate fetch

    private struct FetchFailure: Error {
        let code: String
        let message: String
    }

    private func certificate(at certificateURL: String) async -> Result<CachedCertificate, FetchFailure> {
        if let cached = certificateCache.withLock({ $0[certificateURL] }) { return .success(cached) }
        guard let url = URL(string: certificateURL) else {
            return .failure(FetchFailure(code: "CertificateUnreachable", message: "The certificate URL \(Self.shortURL(certificateURL)) is not a valid URL."))
        }

        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: ["Accept": "application/x-pem-file, */*"], body: nil))
        } catch {
            return .failure(FetchFailure(code: "CertificateUnreachable", message: "The certificate at \(Self.shortURL(certificateURL)) could not be fetched: \(error.description) Try again in a moment."))
        }
        if (300..<400).contains(response.status) {
            return .failure(FetchFailure(code: "CertificateUnreachable", message: "The certificate URL \(Self.shortURL(certificateURL)) returned a redirect (HTTP \(response.status)), which is not followed because the certificate must come from the allow-listed address itself."))
        }
        guard response.status == 200 else {
            return .failure(FetchFailure(code: "CertificateUnreachable", message: "The certificate URL \(Self.shortURL(certificateURL)) returned HTTP \(response.status). Try again later; if it persists, check the payment service."))
        }
        guard response.body.count <= Self.maximumCertificateBytes else {
            return .failure(FetchFailure(code: "CertificateTooLarge", message: "The certificate at \(Self.shortURL(certificateURL)) is \(response.body.count) bytes, above the \(Self.maximumCertificateBytes)-byte limit, so it was not used."))
        }
        // The key is read from the PEM once here rather than on every verification.
        let entry = CachedCertificate(publicKey: RSASHA1.publicKey(certificatePEM: response.body))
        certificateCache.withLock { $0[certificateURL] = entry }
        return .success(entry)
    }

    /// Drops the query, which may carry a request id of no use to a clerk, and caps the length.
    static func shortURL(_ url: String) -> String {
        let withoutQuery = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return withoutQuery.count <= 80 ? String(withoutQuery) : "\(withoutQuery.prefix(80))…"
    }

    static func notAllowedMessage(_ certificateURL: String) -> String {
        "The certificate URL \(shortURL(certificateURL)) is not a trusted payment-service address, so the return URI's signature cannot be trusted. Ask the customer to authorize again through this console's payment link."
    }

    // MARK: - Authorization

    /// Checks a pasted return URI for the order waiting on `expectedCallerReference` and returns
    /// the authorized token, or the first reason to refuse it.
    ///
    /// The checks run in this order, and the first failure is returned:
    /// 1. the URI parses and has `status`, `callerReference`, `certificateUrl` and `signature`,
    /// 2. `callerReference` matches,
    /// 3. the certificate URL is allow-listed,
    /// 4. the signature verifies,
    /// 5. the status is a success (SA, SB or SC),
    /// 6. `tokenID` is present,
    /// 7. with `requireCard` (a reserve order), the status is SC.
    public func authorize(_ rawURI: String, expectedCallerReference: String, requireCard: Bool) async -> Result<Authorization, ReturnRefusal> {
        let uri: ReturnURI
        do {
            uri = try ReturnURI.parse(rawURI)
        } catch {
            return .failure(error)
        }
        for name in ["status", "callerReference", "certificateUrl", "signature"] where uri.value(name) == nil {
            return .failure(ReturnRefusal(.malformed, "The return URI has no \(name) parameter, so it is not a complete payment return. Copy the whole address from the customer's browser again."))
        }

        let callerReference = uri.callerReference ?? ""
        guard callerReference == expectedCallerReference else {
            return .failure(ReturnRefusal(.callerReferenceMismatch, "The return URI is for order reference \"\(callerReference)\", but this checkout is waiting for \"\(expectedCallerReference)\". Paste the return URI of the current order, or start a new authorization."))
        }

        let certificateURL = uri.certificateURL ?? ""
        guard isCertificateURLAllowed(certificateURL) else {
            return .failure(ReturnRefusal(.certificateNotAllowed, Self.notAllowedMessage(certificateURL)))
        }

        switch await verifySignature(uri) {
        case .verified:
            break
        case .notVerified:
            return .failure(ReturnRefusal(.signatureInvalid, "The return URI's signature does not match its contents: it was altered or not made by the payment service. Ask the customer to authorize again."))
        case .couldNotVerify(let code, let message):
            return .failure(ReturnRefusal(code == "CertificateNotAllowed" ? .certificateNotAllowed : .couldNotVerify, message))
        }

        let rawStatus = uri.rawStatus ?? ""
        guard let status = CBUIStatus(rawValue: rawStatus) else {
            return .failure(ReturnRefusal(.failureStatus, "The payment service returned the unknown status \"\(rawStatus)\", so no payment was authorized. Ask the customer to authorize again."))
        }
        guard status.isSuccess else {
            var message = "The payment service returned status \(status.rawValue): \(status.meaning)"
            if let detail = uri.errorMessage, !detail.isEmpty {
                message += " Its message: \"\(detail.count <= 200 ? detail : "\(detail.prefix(200))…")\""
            }
            return .failure(ReturnRefusal(.failureStatus, message))
        }

        guard let tokenID = uri.tokenID, !tokenID.isEmpty else {
            return .failure(ReturnRefusal(.missingToken, "The return URI reports success (status \(status.rawValue)) but carries no tokenID, so there is nothing to charge. Ask the customer to authorize again."))
        }
        if requireCard && status != .successCard {
            return .failure(ReturnRefusal(.cardRequired, "This order reserves the amount, which needs a credit card, but the customer authorized with status \(status.rawValue) (\(status.meaning)) Ask the customer to authorize again and choose a credit card, or take the order as Pay now."))
        }
        return .success(Authorization(tokenID: tokenID, status: status, callerReference: callerReference, expiry: uri.expiry))
    }
}

/// A fetched certificate as the cache keeps it: its public key, or why the PEM gave none.
/// An unreadable one is cached too, and dropped when a verification reports it.
private struct CachedCertificate: Sendable {
    let publicKey: Result<RSASHA1.PublicKey, RSASHA1.Unreadable>
}

/// Standard base64 decoding through a lookup table, for signatures checked on every return URI.
enum Base64 {
    /// Decodes padded base64 without whitespace. Input that this strict form rejects, or that
    /// carries non-zero bits after the last byte, is left to `Data(base64Encoded:)`, so the
    /// result is always what Foundation decides.
    static func decode(_ text: String) -> [UInt8]? {
        var text = text
        if let decoded = text.withUTF8({ strictDecode($0) }) { return decoded }
        return Data(base64Encoded: text).map { Array($0) }
    }

    /// The 6-bit value of each alphabet byte, 0xFF for bytes outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        return table
    }()

    private static func strictDecode(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard !bytes.isEmpty, bytes.count % 4 == 0 else { return nil }
        var padding = 0
        if bytes[bytes.count - 1] == UInt8(ascii: "=") { padding += 1 }
        if bytes[bytes.count - 2] == UInt8(ascii: "=") { padding += 1 }
        let table = values
        return table.withUnsafeBufferPointer { table -> [UInt8]? in
            let outputCount = bytes.count / 4 * 3 - padding
            var output = [UInt8](repeating: 0, count: bytes.count / 4 * 3)
            var position = 0
            var index = 0
            while index < bytes.count {
                var chunk: UInt32 = 0
                for offset in 0..<4 {
                    let byte = bytes[index + offset]
                    let isPadding = byte == UInt8(ascii: "=") && index + offset >= bytes.count - padding
                    let value = isPadding ? 0 : table[Int(byte)]
                    guard value != 0xFF else { return nil }
                    chunk = chunk << 6 | UInt32(value)
                }
                output[position] = UInt8(truncatingIfNeeded: chunk >> 16)
                output[position + 1] = UInt8(truncatingIfNeeded: chunk >> 8)
                output[position + 2] = UInt8(truncatingIfNeeded: chunk)
                position += 3
                index += 4
            }
            // Bits below the last whole byte must be zero in canonical base64.
            if padding > 0 && output[outputCount..<output.count].contains(where: { $0 != 0 }) { return nil }
            output.removeLast(padding)
            return output
        }
    }
}

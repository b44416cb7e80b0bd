import Foundation
import Testing
@testable import FPSClient

@Suite("Return URI parsing")
struct ReturnURIParsingTests {
    @Test func queryEdgeCases() throws {
        let uri = try ReturnURI.parse("https://shop.example.com/fps/return?status=SC&signature=abc==&note=&flag&returnExtra=a=b")
        #expect(uri.signature == "abc==")
        #expect(uri.value("note") == "")
        #expect(uri.value("flag") == "")
        #expect(uri.value("returnExtra") == "a=b")
        #expect(uri.value("absent") == nil)
        #expect(uri.status == .successCard)
    }

    @Test func encodedSignatureDecodesByteForByte() throws {
        let uri = try ReturnURI.parse("https://shop.example.com/r?signature=Ab%2Bc%2Fd%0AEf%2BG%3D")
        let signature = try #require(uri.signature)
        #expect(Array(signature.utf8) == Array("Ab+c/d\nEf+G=".utf8))
    }

    @Test func hostPortAndPath() throws {
        let uri = try ReturnURI.parse("HTTPS://Shop.Example.com:8443/fps/return/?status=SC")
        #expect(uri.scheme == "https")
        #expect(uri.host == "shop.example.com")
        #expect(uri.port == 8443)
        #expect(uri.path == "/fps/return/")
        #expect(uri.hostLine == "shop.example.com:8443")
    }

    @Test func defaultPortLeavesHostLineBare() throws {
        #expect(try ReturnURI.parse("https://shop.example.com:443/r?status=SC").hostLine == "shop.example.com")
        #expect(try ReturnURI.parse("http://127.0.0.1:80/r?status=SC").hostLine == "127.0.0.1")
        #expect(try ReturnURI.parse("http://127.0.0.1:8080/r?status=SC").hostLine == "127.0.0.1:8080")
        #expect(try ReturnURI.parse("http://[::1]:8080/r?status=SC").hostLine == "[::1]:8080")
    }

    @Test func emptyPathBecomesSlash() throws {
        #expect(try ReturnURI.parse("https://shop.example.com?status=SC").path == "/")
    }

    @Test func outerPasteDecorationIsRemoved() throws {
        let core = "https://shop.example.com/r?status=SC&signature=a%0Ab"
        for pasted in ["  \(core)\n", "\u{1B}[200~\(core)\u{1B}[201~", "[200~\(core)[201~\r\n", "<\(core)>", "\"\(core)\"", "\t\u{1B}[200~ \(core) \u{1B}[201~\n"] {
            let uri = try ReturnURI.parse(pasted)
            #expect(uri.signature == "a\nb", "pasted form \(pasted.debugDescription)")
            #expect(uri.status == .successCard, "pasted form \(pasted.debugDescription)")
        }
    }

    @Test func innerWhitespaceIsKept() throws {
        let uri = try ReturnURI.parse("https://shop.example.com/r?status=SC&signature=ab\ncd")
        #expect(uri.signature == "ab\ncd")
    }

    @Test func fragmentIsIgnored() throws {
        let uri = try ReturnURI.parse("https://shop.example.com/r?status=SC#top")
        #expect(uri.rawStatus == "SC")
    }

    @Test("malformed input is rejected", arguments: [
        "",
        "   \n",
        "shop.example.com/r?status=SC",
        "ftp://shop.example.com/r?status=SC",
        "https:///r?status=SC",
        "https://shop.example.com/r",
        "https://shop.example.com/r?",
        "https://shop.example.com:99999/r?status=SC",
        "https://user@shop.example.com/r?status=SC",
        "https://shop.example.com/r?status=%ZZ",
        "https://shop.example.com/r?status=SC&status=SA",
    ])
    func malformedInput(_ text: String) {
        #expect(throws: ReturnRefusal.self) { try ReturnURI.parse(text) }
        do {
            _ = try ReturnURI.parse(text)
        } catch {
            #expect(error.kind == .malformed)
            #expect(!error.message.isEmpty)
        }
    }

    @Test func missingQueryMessageNamesTheProblem() {
        do {
            _ = try ReturnURI.parse("https://shop.example.com/fps/return")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.message.contains("no query string"))
        }
    }

    @Test func duplicateNameMessageNamesTheParameter() {
        do {
            _ = try ReturnURI.parse("https://shop.example.com/r?status=SC&status=SA")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.message.contains("\"status\""))
        }
    }
}

@Suite("Return URI RSA vectors")
struct ReturnURIVectorTests {
    static let file = try? Fixture.decode(RSAVectorFile.self, "return_uri_rsa.json")
    static let vectors = file?.vectors ?? []

    @Test func vectorFileLoads() {
        #expect(Self.vectors.count == 8)
    }

    /// Decodes the received parameters of a vector from its wire form.
    static func receivedParameters(_ vector: RSAVectorFile.Vector) throws -> [QueryParameter] {
        if let uri = vector.received_uri {
            return try ReturnURI.parse(uri).parameters
        }
        return try QueryString.parse(Substring(try #require(vector.received_post_body)))
    }

    @Test("wire form decodes to received_params", arguments: vectors)
    func wireFormRoundTrip(_ vector: RSAVectorFile.Vector) throws {
        #expect(dictionary(try Self.receivedParameters(vector)) == vector.received_params)
    }

    @Test("string to sign", arguments: vectors)
    func stringToSign(_ vector: RSAVectorFile.Vector) throws {
        let endpoint = try #require(URL(string: vector.endpoint_for_verification))
        let parts = try #require(endpoint.fpsParts)
        let parameters = try Self.receivedParameters(vector)
        let computed = ReturnURIVerifier.stringToSign(httpMethod: vector.http_method, hostLine: parts.hostLine, path: parts.path, parameters: parameters)
        #expect(computed == vector.string_to_sign_recomputed_by_verifier)

        if let received = vector.received_uri {
            let uri = try ReturnURI.parse(received)
            let fromURI = ReturnURIVerifier.stringToSign(httpMethod: "GET", hostLine: uri.hostLine, path: uri.path, parameters: uri.parameters)
            #expect(fromURI == vector.string_to_sign_recomputed_by_verifier)
        }
    }

    /// With every vector certificate allow-listed, only the cryptography decides.
    @Test("cryptographic validity", arguments: vectors)
    func cryptographicValidity(_ vector: RSAVectorFile.Vector) async throws {
        let file = try #require(Self.file)
        let everyOrigin = file.certificate_url_allow_list + ["https://attacker.test/certs/"]
        let verifier = ReturnURIVerifier(certificateAllowList: everyOrigin, transport: CertificateServer(certificates: file.certificates))
        #expect(Array(file.certificates.keys).allSatisfy(verifier.isCertificateURLAllowed))
        let outcome = await verifier.verifySignature(
            httpMethod: vector.http_method, endpoint: URL(string: vector.endpoint_for_verification)!,
            parameters: try Self.receivedParameters(vector))
        if vector.expected.signature_cryptographically_valid {
            #expect(outcome == .verified)
        } else {
            guard case .notVerified = outcome else {
                Issue.record("expected notVerified, got \(outcome)")
                return
            }
        }
    }

    @Test("allow-list decision", arguments: vectors)
    func allowListDecision(_ vector: RSAVectorFile.Vector) throws {
        let file = try #require(Self.file)
        let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: CertificateServer(certificates: file.certificates))
        let certificateURL = try #require(vector.received_params["certificateUrl"])
        #expect(verifier.isCertificateURLAllowed(certificateURL) == vector.expected.certificate_url_allowed)
    }

    @Test("accept decision", arguments: vectors)
    func acceptDecision(_ vector: RSAVectorFile.Vector) async throws {
        let file = try #require(Self.file)
        let server = CertificateServer(certificates: file.certificates)
        let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: server)
        let outcome = await verifier.verifySignature(
            httpMethod: vector.http_method, endpoint: URL(string: vector.endpoint_for_verification)!,
            parameters: try Self.receivedParameters(vector))
        #expect((outcome == .verified) == vector.expected.accept, "outcome \(outcome)")
        if !vector.expected.certificate_url_allowed {
            #expect(outcome == .couldNotVerify(code: "CertificateNotAllowed", message: ReturnURIVerifier.notAllowedMessage(vector.received_params["certificateUrl"]!)))
            #expect(server.fetchedURLs.isEmpty, "a certificate outside the allow-list must never be fetched")
        }
    }

    @Test("return URI verifies through ReturnURI", arguments: vectors.filter { $0.received_uri != nil })
    func verifyParsedReturnURI(_ vector: RSAVectorFile.Vector) async throws {
        let file = try #require(Self.file)
        let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: CertificateServer(certificates: file.certificates))
        let uri = try ReturnURI.parse(try #require(vector.received_uri))
        let outcome = await verifier.verifySignature(uri)
        #expect((outcome == .verified) == vector.expected.accept, "outcome \(outcome)")
    }
}

extension RSAVectorFile.Vector: CustomTestStringConvertible {
    var testDescription: String { id }
}

@Suite("Certificate handling")
struct CertificateHandlingTests {
    static let file = try? Fixture.decode(RSAVectorFile.self, "return_uri_rsa.json")

    @Test func allowListNeedsTheTrailingSlash() {
        let verifier = ReturnURIVerifier(certificateAllowList: ["https://fps.amazonaws.com"], transport: CertificateServer(certificates: [:]))
        #expect(verifier.certificateAllowList == ["https://fps.amazonaws.com/"])
        #expect(verifier.isCertificateURLAllowed("https://fps.amazonaws.com/certs/090910/PKICert.pem"))
        #expect(!verifier.isCertificateURLAllowed("https://fps.amazonaws.com.evil.test/certs/PKICert.pem"))
        #expect(!verifier.isCertificateURLAllowed("https://fps.amazonaws.com@evil.test/certs/PKICert.pem"))
        #expect(!verifier.isCertificateURLAllowed("http://fps.amazonaws.com/certs/090910/PKICert.pem"))
        #expect(!verifier.isCertificateURLAllowed("https://fps.amazonaws.com:8443/certs/PKICert.pem"))
        #expect(!verifier.isCertificateURLAllowed("https://fps.amazonaws.com/certs/a b.pem"))
    }

    @Test func plainHTTPAllowedOnlyForLoopbackEntries() {
        let verifier = ReturnURIVerifier(
            certificateAllowList: ["http://127.0.0.1:8080/fps/certs/", "http://localhost:9000/certs/", "http://[::1]:7000/c/",
                                   "http://fps.sandbox.example/certs/", "http://10.0.0.5/certs/", "ftp://127.0.0.1/certs/"],
            transport: CertificateServer(certificates: [:]))
        #expect(verifier.certificateAllowList == ["http://127.0.0.1:8080/fps/certs/", "http://localhost:9000/certs/", "http://[::1]:7000/c/"])
        #expect(verifier.rejectedAllowListEntries.map(\.entry) == ["http://fps.sandbox.example/certs/", "http://10.0.0.5/certs/", "ftp://127.0.0.1/certs/"])
        #expect(verifier.isCertificateURLAllowed("http://127.0.0.1:8080/fps/certs/090911/PKICert.pem"))
        #expect(!verifier.isCertificateURLAllowed("http://127.0.0.1:8081/fps/certs/090911/PKICert.pem"))
        #expect(!verifier.isCertificateURLAllowed("http://fps.sandbox.example/certs/PKICert.pem"))
    }

    @Test func localSandboxEndpointsAllowItsOwnCertificates() {
        let endpoints = FPSEndpoints.localSandbox(port: 18080)
        let verifier = ReturnURIVerifier(certificateAllowList: endpoints.certificateAllowList, transport: CertificateServer(certificates: [:]))
        #expect(verifier.rejectedAllowListEntries.isEmpty)
        #expect(verifier.isCertificateURLAllowed("http://127.0.0.1:18080/fps/certs/090911/PKICert.pem"))
        #expect(verifier.isCertificateURLAllowed("https://fps.sandbox.amazonaws.com/certs/090911/PKICert.pem"))
    }

    @Test func loopbackRecognition() {
        #expect(ReturnURIVerifier.isLoopback("127.0.0.1"))
        #expect(ReturnURIVerifier.isLoopback("127.255.3.4"))
        #expect(ReturnURIVerifier.isLoopback("::1"))
        #expect(ReturnURIVerifier.isLoopback("localhost"))
        #expect(!ReturnURIVerifier.isLoopback("127.0.0.1.evil.test"))
        #expect(!ReturnURIVerifier.isLoopback("128.0.0.1"))
        #expect(!ReturnURIVerifier.isLoopback("127.0.0.256"))
        #expect(!ReturnURIVerifier.isLoopback("localhost.evil.test"))
    }

    @Test func certificateIsFetchedOnceAndCached() async throws {
        let file = try #require(Self.file)
        let vector = try #require(file.vectors.first { $0.id == "ret-01-valid-local-sandbox" })
        let server = CertificateServer(certificates: file.certificates)
        let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: server)
        let uri = try ReturnURI.parse(try #require(vector.received_uri))
        #expect(await verifier.verifySignature(uri) == .verified)
        #expect(await verifier.verifySignature(uri) == .verified)
        #expect(server.fetchedURLs == ["https://127.0.0.1:8443/fps/certs/090911/PKICert.pem"])
    }

    @Test func oversizedCertificateIsRefused() async throws {
        let file = try #require(Self.file)
        let vector = try #require(file.vectors.first { $0.id == "ret-01-valid-local-sandbox" })
        let url = "https://127.0.0.1:8443/fps/certs/090911/PKICert.pem"
        let huge = try #require(file.certificates[url]) + String(repeating: "\n", count: 70_000)
        let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: CertificateServer(certificates: [url: huge]))
        let outcome = await verifier.verifySignature(try ReturnURI.parse(try #require(vector.received_uri)))
        guard case .couldNotVerify(let code, _) = outcome else {
            Issue.record("expected couldNotVerify, got \(outcome)")
            return
        }
        #expect(code == "CertificateTooLarge")
    }

    @Test func redirectAndMissingCertificateCannotVerify() async throws {
        let file = try #require(Self.file)
        let vector = try #require(file.vectors.first { $0.id == "ret-01-valid-local-sandbox" })
        let uri = try ReturnURI.parse(try #require(vector.received_uri))
        for status in [302, 404, 500] {
            let transport = RecordingTransport { _ in .success(HTTPResponse(status: status, headers: ["Location": "https://attacker.test/c.pem"], body: Data())) }
            let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: transport)
            guard case .couldNotVerify(let code, let message) = await verifier.verifySignature(uri) else {
                Issue.record("HTTP \(status) should give couldNotVerify")
                continue
            }
            #expect(code == "CertificateUnreachable")
            #expect(message.contains("HTTP \(status)"))
        }
    }

    @Test func unreachableCertificateCannotVerify() async throws {
        let file = try #require(Self.file)
        let vector = try #require(file.vectors.first { $0.id == "ret-01-valid-local-sandbox" })
        let transport = RecordingTransport { _ in .failure(.transport("The connection to 127.0.0.1:8443 was refused.")) }
        let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: transport)
        let outcome = await verifier.verifySignature(try ReturnURI.parse(try #require(vector.received_uri)))
        guard case .couldNotVerify(let code, _) = outcome else {
            Issue.record("expected couldNotVerify, got \(outcome)")
            return
        }
        #expect(code == "CertificateUnreachable")
    }

    @Test func garbageCertificateCannotVerify() async throws {
        let file = try #require(Self.file)
        let vector = try #require(file.vectors.first { $0.id == "ret-01-valid-local-sandbox" })
        let url = "https://127.0.0.1:8443/fps/certs/090911/PKICert.pem"
        let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list,
                                         transport: CertificateServer(certificates: [url: "<html>maintenance</html>"]))
        let outcome = await verifier.verifySignature(try ReturnURI.parse(try #require(vector.received_uri)))
        guard case .couldNotVerify(let code, _) = outcome else {
            Issue.record("expected couldNotVerify, got \(outcome)")
            return
        }
        #expect(code == "CertificateUnreadable")
    }

    @Test func unsupportedSignatureVersionOrMethodIsRejected() async throws {
        let file = try #require(Self.file)
        let vector = try #require(file.vectors.first { $0.id == "ret-01-valid-local-sandbox" })
        let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: CertificateServer(certificates: file.certificates))
        let received = try #require(vector.received_uri)
        let cases = [
            ("signatureVersion=2", "signatureVersion=1", "UnsupportedSignatureVersion"),
            ("signatureMethod=RSA-SHA1", "signatureMethod=HmacSHA1", "UnsupportedSignatureMethod"),
        ]
        for (original, replacement, expectedCode) in cases {
            let uri = try ReturnURI.parse(received.replacingOccurrences(of: original, with: replacement))
            guard case .couldNotVerify(let code, _) = await verifier.verifySignature(uri) else {
                Issue.record("\(replacement) should not verify")
                continue
            }
            #expect(code == expectedCode)
        }
    }

    @Test func signatureThatIsNotBase64IsNotVerified() async throws {
        let file = try #require(Self.file)
        let verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: CertificateServer(certificates: file.certificates))
        let uri = try ReturnURI.parse("https://shop.example.com/fps/return?status=SC&signatureMethod=RSA-SHA1&signatureVersion=2&certificateUrl=https%3A%2F%2F127.0.0.1%3A8443%2Ffps%2Fcerts%2F090911%2FPKICert.pem&signature=%21%21%21")
        guard case .notVerified = await verifier.verifySignature(uri) else {
            Issue.record("a non-base64 signature must not verify")
            return
        }
    }
}

import CCrypto
import Foundation
import Synchronization
import Testing
@testable import FPSClient

// MARK: - Fixture loading

enum Fixture {
    static func url(_ name: String) throws -> URL {
        let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")
        return try #require(url, "fixture \(name) is missing from the test bundle")
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: data(name))
    }
}

/// `sigv2_api.json` and `sigv2_third_party_kat.json`.
struct SigV2VectorFile: Decodable {
    struct Vector: Decodable {
        struct Input: Decodable {
            let verb: String
            let host: String
            let path: String
            let secret_key: String
            let signature_method: String
            let params: [String: String]
        }
        struct Expected: Decodable {
            let canonical_query: String?
            let string_to_sign: String
            let signature: String
            let signature_param_encoded: String?
            let example_wire_query: String?
        }
        let id: String
        let input: Input
        let expected: Expected
    }
    let vectors: [Vector]
}

/// `cbui_singleuse.json`.
struct CBUIVectorFile: Decodable {
    struct Vector: Decodable {
        struct Input: Decodable {
            let cbui_endpoint: String
            let host_line: String
            let path: String
            let access_key: String
            let secret_key: String
            let params: [String: String]
        }
        struct Expected: Decodable {
            let string_to_sign: String
            let signature: String
            let url: String
        }
        let id: String
        let input: Input
        let expected: Expected
    }
    let vectors: [Vector]
}

/// `return_uri_rsa.json`.
struct RSAVectorFile: Decodable {
    struct Vector: Decodable {
        struct Expected: Decodable {
            let signature_cryptographically_valid: Bool
            let certificate_url_allowed: Bool
            let accept: Bool
        }
        let id: String
        let http_method: String
        let endpoint_for_verification: String
        let received_uri: String?
        let received_post_body: String?
        let received_params: [String: String]
        let string_to_sign_recomputed_by_verifier: String
        let expected: Expected
    }
    let certificate_url_allow_list: [String]
    let certificates: [String: String]
    let signing_keys_TEST_ONLY: [String: String]
    let signer_for_case: [String: String]
    let vectors: [Vector]
}

/// `boto_wire_capture.json`.
struct BotoCaptureFile: Decodable {
    struct Request: Decodable {
        let method: String
        let request_target: String
        let headers: [String: String]
        let body: String
        let connected_to: String
        let secret_key: String
        let signature_valid_with_host_line: [String: Bool]
    }
    let requests: [Request]
}

/// `xml_samples.json`.
struct XMLSampleFile: Decodable {
    struct Sample: Decodable {
        let file: String
        let action: String
        let http_status: Int
        let assert: [String: String]
    }
    let namespace: String
    let samples: [Sample]
}

extension Dictionary where Key == String, Value == String {
    var queryParameters: [QueryParameter] { map { QueryParameter($0.key, $0.value) } }
}

/// Decoded parameters as a dictionary, for order-independent comparison.
func dictionary(_ parameters: [QueryParameter]) -> [String: String] {
    Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
}

// MARK: - Fake transports

/// Records every request and returns the response a closure builds, without any network.
final class RecordingTransport: HTTPTransport {
    private let recorded = Mutex<[HTTPRequest]>([])
    private let respond: @Sendable (HTTPRequest) -> Result<HTTPResponse, FPSError>

    init(respond: @escaping @Sendable (HTTPRequest) -> Result<HTTPResponse, FPSError>) {
        self.respond = respond
    }

    /// Returns `status` and the given XML body for every request.
    convenience init(status: Int = 200, xml: String) {
        self.init { _ in .success(HTTPResponse(status: status, headers: ["Content-Type": "text/xml"], body: Data(xml.utf8))) }
    }

    var requests: [HTTPRequest] { recorded.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws(FPSError) -> HTTPResponse {
        recorded.withLock { $0.append(request) }
        return try respond(request).get()
    }
}

/// Serves PEM certificates from memory by full URL and counts the fetches.
final class CertificateServer: HTTPTransport {
    private let certificates: [String: String]
    private let fetches = Mutex<[String]>([])

    init(certificates: [String: String]) {
        self.certificates = certificates
    }

    var fetchedURLs: [String] { fetches.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws(FPSError) -> HTTPResponse {
        let url = request.url.absoluteString
        fetches.withLock { $0.append(url) }
        guard let pem = certificates[url] else {
            return HTTPResponse(status: 404, headers: [:], body: Data("not found".utf8))
        }
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/x-pem-file"], body: Data(pem.utf8))
    }
}

// MARK: - Test-only RSA signer

/// Signs with a throwaway private key from the vectors, so tests can build correctly signed
/// return URIs (for example with a failure status) that the vectors do not contain.
enum TestRSASigner {
    static func signSHA1(_ message: String, privateKeyPEM: String) throws -> String {
        let pem = Array(privateKeyPEM.utf8)
        let key: OpaquePointer? = pem.withUnsafeBufferPointer { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        let privateKey = try #require(key, "the test private key does not parse")
        defer { EVP_PKEY_free(privateKey) }
        let context = try #require(EVP_MD_CTX_new())
        defer { EVP_MD_CTX_free(context) }
        try #require(EVP_DigestSignInit(context, nil, EVP_sha1(), nil, privateKey) == 1)

        let bytes = Array(message.utf8)
        var length = 0
        try #require(EVP_DigestSign(context, nil, &length, bytes, bytes.count) == 1)
        var signature = [UInt8](repeating: 0, count: length)
        try #require(EVP_DigestSign(context, &signature, &length, bytes, bytes.count) == 1)
        return Data(signature.prefix(length)).base64EncodedString()
    }
}

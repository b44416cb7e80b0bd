import Foundation
import Testing
@testable import FPSClient

@Suite("ReturnURIVerifier.authorize")
struct AuthorizeTests {
    static let certificateURL = "https://127.0.0.1:8443/fps/certs/090911/PKICert.pem"
    static let token = "N1ABCQ7TSDDBK2F5RXZ9UJMVXAPPCEQ2QH3NRB8PL3SUI4TDGJ5CKDZLMT4FR6EE"

    let file: RSAVectorFile
    let verifier: ReturnURIVerifier

    init() throws {
        file = try Fixture.decode(RSAVectorFile.self, "return_uri_rsa.json")
        verifier = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list, transport: CertificateServer(certificates: file.certificates))
    }

    func receivedURI(_ id: String) throws -> String {
        try #require(file.vectors.first { $0.id == id }?.received_uri)
    }

    /// Builds a return URI to https://shop.example.com/fps/return with `fields`, signed with the
    /// vectors' throwaway sandbox key so that only the field under test can cause a refusal.
    func signedReturnURI(_ fields: [(String, String)]) throws -> String {
        var parameters = fields.map { QueryParameter($0.0, $0.1) }
        parameters += [QueryParameter("signatureMethod", "RSA-SHA1"), QueryParameter("signatureVersion", "2"),
                       QueryParameter("certificateUrl", Self.certificateURL)]
        let stringToSign = ReturnURIVerifier.stringToSign(httpMethod: "GET", hostLine: "shop.example.com", path: "/fps/return", parameters: parameters)
        let key = try #require(file.signing_keys_TEST_ONLY["sandbox2048.key"])
        parameters.append(QueryParameter("signature", try TestRSASigner.signSHA1(stringToSign, privateKeyPEM: key)))
        return "https://shop.example.com/fps/return?" + QueryString.encode(parameters)
    }

    func refusal(_ result: Result<Authorization, ReturnRefusal>) -> ReturnRefusal? {
        if case .failure(let refusal) = result { return refusal }
        return nil
    }

    /// No refusal may show a whole signature or token.
    func expectNoSecrets(_ message: String, _ uri: String) throws {
        #expect(!message.contains(Self.token))
        let parsed = try ReturnURI.parse(uri)
        if let signature = parsed.signature, signature.count > 8 {
            #expect(!message.contains(signature))
            #expect(!message.contains(PercentEncoding.encode(signature)))
        }
    }

    @Test func validReturnIsAuthorized() async throws {
        let result = await verifier.authorize(try receivedURI("ret-01-valid-local-sandbox"), expectedCallerReference: "order-1001", requireCard: false)
        #expect(result == .success(Authorization(tokenID: Self.token, status: .successCard, callerReference: "order-1001", expiry: "10/2015")))
    }

    @Test func cardReturnSatisfiesReserve() async throws {
        let result = await verifier.authorize(try receivedURI("ret-01-valid-local-sandbox"), expectedCallerReference: "order-1001", requireCard: true)
        #expect((try? result.get())?.status == .successCard)
    }

    @Test func pastedWithDecorationIsAuthorized() async throws {
        let pasted = "\n  \u{1B}[200~" + (try receivedURI("ret-01-valid-local-sandbox")) + "\u{1B}[201~  \r\n"
        let result = await verifier.authorize(pasted, expectedCallerReference: "order-1001", requireCard: false)
        #expect((try? result.get())?.tokenID == Self.token)
    }

    @Test func wrappedSignatureWithMerchantQueryIsAuthorized() async throws {
        let result = await verifier.authorize(try receivedURI("ret-04-valid-merchant-query-and-wrapped-sig"), expectedCallerReference: "order 1001/b", requireCard: false)
        #expect(result == .success(Authorization(tokenID: "P7XW4KJQ2M", status: .successBank, callerReference: "order 1001/b", expiry: "12/2014")))
    }

    @Test func bankReturnIsRefusedForReserve() async throws {
        let uri = try receivedURI("ret-04-valid-merchant-query-and-wrapped-sig")
        let refusal = try #require(refusal(await verifier.authorize(uri, expectedCallerReference: "order 1001/b", requireCard: true)))
        #expect(refusal.kind == .cardRequired)
        #expect(refusal.message.contains("SB"))
        #expect(refusal.message.contains("credit card"))
    }

    @Test func tamperedTokenIsRefused() async throws {
        let original = try receivedURI("ret-01-valid-local-sandbox")
        let tampered = original.replacingOccurrences(of: "tokenID=N1ABCQ7", with: "tokenID=N1ABCQ8")
        #expect(tampered != original)
        let refusal = try #require(refusal(await verifier.authorize(tampered, expectedCallerReference: "order-1001", requireCard: false)))
        #expect(refusal.kind == .signatureInvalid)
        #expect(refusal.message == "The return URI's signature does not match its contents: it was altered or not made by the payment service. Ask the customer to authorize again.")
        try expectNoSecrets(refusal.message, tampered)
    }

    @Test func tamperedStatusIsRefused() async throws {
        let refusal = try #require(refusal(await verifier.authorize(try receivedURI("ret-02-tampered-status"), expectedCallerReference: "order-1001", requireCard: false)))
        #expect(refusal.kind == .signatureInvalid)
    }

    @Test func tamperedCallerReferenceIsRefused() async throws {
        let refusal = try #require(refusal(await verifier.authorize(try receivedURI("ret-03-tampered-callerReference"), expectedCallerReference: "order-9999", requireCard: false)))
        #expect(refusal.kind == .signatureInvalid)
    }

    @Test func attackerCertificateIsRefused() async throws {
        let uri = try receivedURI("ret-08-forged-attacker-certificate")
        let refusal = try #require(refusal(await verifier.authorize(uri, expectedCallerReference: "order-1001", requireCard: false)))
        #expect(refusal.kind == .certificateNotAllowed)
        #expect(refusal.message.contains("https://attacker.test/certs/PKICert.pem"))
        try expectNoSecrets(refusal.message, uri)
    }

    @Test func wrongCallerReferenceIsRefused() async throws {
        let uri = try receivedURI("ret-01-valid-local-sandbox")
        let refusal = try #require(refusal(await verifier.authorize(uri, expectedCallerReference: "order-2002", requireCard: false)))
        #expect(refusal.kind == .callerReferenceMismatch)
        #expect(refusal.message.contains("\"order-1001\""))
        #expect(refusal.message.contains("\"order-2002\""))
        try expectNoSecrets(refusal.message, uri)
    }

    @Test func callerReferenceIsCheckedBeforeSignature() async throws {
        let refusal = try #require(refusal(await verifier.authorize(try receivedURI("ret-03-tampered-callerReference"), expectedCallerReference: "order-1001", requireCard: false)))
        #expect(refusal.kind == .callerReferenceMismatch)
    }

    @Test("failure status is refused with its meaning", arguments: [CBUIStatus.abandoned, .systemError, .callerException, .paymentMethodMismatch, .notPermitted, .notMarketplaceCaller])
    func failureStatus(_ status: CBUIStatus) async throws {
        let uri = try signedReturnURI([("status", status.rawValue), ("callerReference", "order-3003"), ("errorMessage", "Buyer cancelled")])
        let refusal = try #require(refusal(await verifier.authorize(uri, expectedCallerReference: "order-3003", requireCard: false)))
        #expect(refusal.kind == .failureStatus)
        #expect(refusal.message.contains(status.meaning))
        #expect(refusal.message.contains("status \(status.rawValue)"))
        #expect(refusal.message.contains("Buyer cancelled"))
    }

    @Test func unknownStatusIsNamed() async throws {
        let uri = try signedReturnURI([("status", "ZZ"), ("callerReference", "order-3004"), ("tokenID", "TOKEN-3004")])
        let refusal = try #require(refusal(await verifier.authorize(uri, expectedCallerReference: "order-3004", requireCard: false)))
        #expect(refusal.kind == .failureStatus)
        #expect(refusal.message.contains("\"ZZ\""))
    }

    @Test func successWithoutTokenIsRefused() async throws {
        let uri = try signedReturnURI([("status", "SC"), ("callerReference", "order-3005")])
        let refusal = try #require(refusal(await verifier.authorize(uri, expectedCallerReference: "order-3005", requireCard: false)))
        #expect(refusal.kind == .missingToken)
    }

    @Test func balanceReturnIsRefusedForReserve() async throws {
        let uri = try signedReturnURI([("status", "SA"), ("callerReference", "order-3006"), ("tokenID", "TOKEN-3006")])
        let refusal = try #require(refusal(await verifier.authorize(uri, expectedCallerReference: "order-3006", requireCard: true)))
        #expect(refusal.kind == .cardRequired)
        let accepted = await verifier.authorize(uri, expectedCallerReference: "order-3006", requireCard: false)
        #expect(accepted == .success(Authorization(tokenID: "TOKEN-3006", status: .successBalance, callerReference: "order-3006", expiry: nil)))
    }

    @Test func missingRequiredParameterIsMalformed() async throws {
        let uri = try receivedURI("ret-01-valid-local-sandbox")
        let withoutSignature = try #require(uri.components(separatedBy: "&signature=").first)
        let refusal = try #require(refusal(await verifier.authorize(withoutSignature, expectedCallerReference: "order-1001", requireCard: false)))
        #expect(refusal.kind == .malformed)
        #expect(refusal.message.contains("signature"))
    }

    @Test func unparseableTextIsMalformed() async throws {
        let refusal = try #require(refusal(await verifier.authorize("thank you page", expectedCallerReference: "order-1001", requireCard: false)))
        #expect(refusal.kind == .malformed)
    }

    @Test func unreachableCertificateIsCouldNotVerify() async throws {
        let offline = ReturnURIVerifier(certificateAllowList: file.certificate_url_allow_list,
                                        transport: RecordingTransport { _ in .failure(.transport("The connection to 127.0.0.1:8443 was refused.")) })
        let refusal = try #require(refusal(await offline.authorize(try receivedURI("ret-01-valid-local-sandbox"), expectedCallerReference: "order-1001", requireCard: false)))
        #expect(refusal.kind == .couldNotVerify)
        #expect(refusal.message.contains("refused"))
    }
}

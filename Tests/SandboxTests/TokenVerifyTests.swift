import Foundation
import FPSClient
import Testing
@testable import Sandbox

@Suite("Sandbox token actions")
struct TokenActionTests {
    @Test("CancelToken makes a later Pay TokenNotActive_Sender")
    func cancelTokenStopsPay() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token(amount: "5.00")

        let cancel = try await sandbox.api("CancelToken", ["TokenId": token, "ReasonText": "order withdrawn"])
        #expect(cancel.status == 200)
        #expect(cancel.body.contains("<CancelTokenResponse"))
        #expect(!cancel.body.contains("CancelTokenResult"))
        #expect(cancel.xml("RequestId")?.isEmpty == false)

        let pay = try await sandbox.api("Pay", ["SenderTokenId": token, "TransactionAmount.Value": "5.00",
                                                "TransactionAmount.CurrencyCode": "USD", "CallerReference": "after-cancel"])
        #expect(pay.status == 400)
        #expect(pay.xml("Code") == "TokenNotActive_Sender")

        let again = try await sandbox.api("CancelToken", ["TokenId": token])
        #expect(again.status == 200)
        let described = try await sandbox.api("GetTokenByCaller", ["TokenId": token])
        #expect(described.xml("TokenStatus") == "Inactive")
    }

    @Test("CancelToken of an unknown token is InvalidTokenId")
    func cancelUnknownToken() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.api("CancelToken", ["TokenId": "NOSUCHTOKEN"])
        #expect(response.status == 400)
        #expect(response.xml("Code") == "InvalidTokenId")
    }

    @Test("GetTokenByCaller by reference and by id")
    func getTokenByCaller() async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize(callerReference: "order-token-1", extra: ["paymentReason": "2 phone cases"])
        let token = try #require(redirect.values["tokenID"])

        let byReference = try await sandbox.api("GetTokenByCaller", ["CallerReference": "order-token-1"])
        #expect(byReference.status == 200)
        #expect(byReference.body.contains("<GetTokenByCallerResult><Token><TokenId>"))
        #expect(byReference.xml("TokenId") == token)
        #expect(byReference.xml("TokenStatus") == "Active")
        #expect(byReference.xml("TokenType") == "SingleUse")
        #expect(byReference.xml("CallerReference") == "order-token-1")
        #expect(byReference.xml("DateInstalled") == "2023-11-14T22:13:20Z")
        #expect(byReference.xml("PaymentReason") == "2 phone cases")

        let byID = try await sandbox.api("GetTokenByCaller", ["TokenId": token])
        #expect(byID.xml("CallerReference") == "order-token-1")

        _ = try await sandbox.api("Pay", ["SenderTokenId": token, "TransactionAmount.Value": "12.50",
                                          "TransactionAmount.CurrencyCode": "USD", "CallerReference": "p"])
        let used = try await sandbox.api("GetTokenByCaller", ["TokenId": token])
        #expect(used.xml("TokenStatus") == "Inactive")
    }

    @Test("GetTokenByCaller needs exactly one key")
    func getTokenByCallerArguments() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()

        let neither = try await sandbox.api("GetTokenByCaller", [:])
        let both = try await sandbox.api("GetTokenByCaller", ["TokenId": token, "CallerReference": "x"])
        let unknownReference = try await sandbox.api("GetTokenByCaller", ["CallerReference": "never-authorized"])
        let unknownToken = try await sandbox.api("GetTokenByCaller", ["TokenId": "NOSUCHTOKEN"])

        #expect(neither.xml("Code") == "InvalidParams")
        #expect(both.xml("Code") == "InvalidParams")
        #expect(both.xml("Message")?.contains("exactly one") == true)
        #expect(unknownReference.xml("Code") == "InvalidCallerReference")
        #expect(unknownToken.xml("Code") == "InvalidTokenId")
    }

    @Test("token of another caller is not visible")
    func tokenOfAnotherCaller() async throws {
        let sandbox = try SandboxHarness()
        let token = try await sandbox.token()
        try sandbox.server.registerCaller(accessKeyID: "AKOTHERCALLER0000001", secretKey: "other-secret-key-0001")

        let described = try await sandbox.api("GetTokenByCaller", ["TokenId": token],
                                              secret: "other-secret-key-0001", accessKey: "AKOTHERCALLER0000001")
        let cancelled = try await sandbox.api("CancelToken", ["TokenId": token],
                                              secret: "other-secret-key-0001", accessKey: "AKOTHERCALLER0000001")

        #expect(described.xml("Code") == "InvalidTokenId")
        #expect(cancelled.xml("Code") == "InvalidTokenId")
    }

    @Test("re-registered caller's new secret applies")
    func reRegisteredCallerSecret() async throws {
        let sandbox = try SandboxHarness()
        let accessKey = "AKROTATEDCALLER00001"
        try sandbox.server.registerCaller(accessKeyID: accessKey, secretKey: "first-secret-key-0001")
        // The first request caches the secret, so the second registration must replace it.
        let beforeRotation = try await sandbox.api("GetTokenByCaller", ["TokenId": "NOSUCHTOKEN"],
                                                   secret: "first-secret-key-0001", accessKey: accessKey)
        try sandbox.server.registerCaller(accessKeyID: accessKey, secretKey: "second-secret-key-001")

        let oldSecret = try await sandbox.api("GetTokenByCaller", ["TokenId": "NOSUCHTOKEN"],
                                              secret: "first-secret-key-0001", accessKey: accessKey)
        let newSecret = try await sandbox.api("GetTokenByCaller", ["TokenId": "NOSUCHTOKEN"],
                                              secret: "second-secret-key-001", accessKey: accessKey)

        #expect(beforeRotation.xml("Code") == "InvalidTokenId")
        #expect(oldSecret.xml("Code") == "SignatureDoesNotMatch")
        #expect(newSecret.xml("Code") == "InvalidTokenId")
    }
}

@Suite("Sandbox VerifySignature")
struct VerifySignatureTests {
    @Test("signed and unsigned requests verify a return")
    func verifiesReturn() async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize()
        let parameters = ["UrlEndPoint": redirect.endpoint, "HttpParameters": redirect.rawQuery]
        #expect(redirect.endpoint == "http://127.0.0.1:9/return")

        let signed = try await sandbox.api("VerifySignature", parameters)
        let signedPost = try await sandbox.api("VerifySignature", parameters, method: "POST")
        let unsigned = try await sandbox.unsignedAPI("VerifySignature", parameters)

        for response in [signed, signedPost, unsigned] {
            #expect(response.status == 200)
            #expect(response.body.contains("<VerifySignatureResponse"))
            #expect(response.xml("VerificationStatus") == "Success")
        }
    }

    @Test("changed parameter or endpoint fails with HTTP 200")
    func tamperedReturnFails() async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize()
        let tamperedQuery = redirect.rawQuery.replacingOccurrences(of: "status=SC", with: "status=SA")
        #expect(tamperedQuery != redirect.rawQuery)

        let tampered = try await sandbox.unsignedAPI("VerifySignature", ["UrlEndPoint": redirect.endpoint,
                                                                         "HttpParameters": tamperedQuery])
        let trailingSlash = try await sandbox.unsignedAPI("VerifySignature", ["UrlEndPoint": redirect.endpoint + "/",
                                                                              "HttpParameters": redirect.rawQuery])
        let otherPort = try await sandbox.unsignedAPI("VerifySignature", ["UrlEndPoint": "http://127.0.0.1:10/return",
                                                                          "HttpParameters": redirect.rawQuery])

        for response in [tampered, trailingSlash, otherPort] {
            #expect(response.status == 200)
            #expect(response.xml("VerificationStatus") == "Failure")
        }
    }

    @Test("signature over POST verifies, as for an IPN")
    func verifiesPostSignature() async throws {
        let sandbox = try SandboxHarness()
        let endpoint = "http://127.0.0.1:8080/ipn"
        var parameters = [
            QueryParameter("notificationType", "TransactionStatus"),
            QueryParameter("transactionStatus", "SUCCESS"),
            QueryParameter("signatureMethod", "RSA-SHA1"),
            QueryParameter("signatureVersion", "2"),
            QueryParameter("certificateUrl", sandbox.server.certificateURL),
        ]
        let message = SignatureV2.stringToSign(verb: "POST", hostLine: "127.0.0.1:8080", path: "/ipn",
                                               parameters: parameters, excluding: "signature")
        parameters.append(QueryParameter("signature", try sandbox.server.identity.signRSASHA1(message)))

        let response = try await sandbox.unsignedAPI("VerifySignature", ["UrlEndPoint": endpoint,
                                                                        "HttpParameters": QueryString.encode(parameters)])

        #expect(response.status == 200)
        #expect(response.xml("VerificationStatus") == "Success")
    }

    @Test("signature with line breaks still verifies")
    func signatureWithLineBreaks() async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize()
        var parameters = redirect.parameters.filter { $0.name != "signature" }
        let signature = try #require(redirect.values["signature"])
        let wrapped = String(signature.prefix(40)) + "\n" + String(signature.dropFirst(40))
        parameters.append(QueryParameter("signature", wrapped))

        let response = try await sandbox.unsignedAPI("VerifySignature", ["UrlEndPoint": redirect.endpoint,
                                                                        "HttpParameters": QueryString.encode(parameters)])

        #expect(response.xml("VerificationStatus") == "Success")
    }

    @Test("missing certificateUrl is InvalidParams")
    func missingCertificateURL() async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize()
        let withoutCertificate = redirect.parameters.filter { $0.name != "certificateUrl" }

        let response = try await sandbox.unsignedAPI("VerifySignature", ["UrlEndPoint": redirect.endpoint,
                                                                        "HttpParameters": QueryString.encode(withoutCertificate)])

        #expect(response.status == 400)
        #expect(response.xml("Code") == "InvalidParams")
        #expect(response.xml("Message") == "certificateUrl is missing in 'HttpParameters'.")
    }

    @Test("endpoint with a query is InvalidParams")
    func endpointWithQuery() async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize()
        let response = try await sandbox.unsignedAPI("VerifySignature", ["UrlEndPoint": redirect.location,
                                                                        "HttpParameters": redirect.rawQuery])
        #expect(response.xml("Code") == "InvalidParams")
        #expect(response.xml("Message")?.contains("UrlEndPoint") == true)
    }

    @Test("other actions still need a signature")
    func otherActionsNeedSignature() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.unsignedAPI("GetTransactionStatus", ["TransactionId": "X"])
        #expect(response.xml("Code") == "InvalidParams")
        #expect(response.xml("Message")?.contains("AWSAccessKeyId") == true)
    }
}

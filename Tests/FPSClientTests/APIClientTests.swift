import Foundation
import Synchronization
import Testing
@testable import FPSClient

/// Collects the events a client emits.
final class EventLog: Sendable {
    private let lines = Mutex<[FPSEvent]>([])
    var events: [FPSEvent] { lines.withLock { $0 } }
    var sink: FPSEventSink { { event in self.lines.withLock { $0.append(event) } } }
}

@Suite("FPSAPIClient requests")
struct APIClientRequestTests {
    static let vectors = (try? Fixture.decode(SigV2VectorFile.self, "sigv2_api.json").vectors) ?? []
    static let commonNames: Set<String> = ["Action", "AWSAccessKeyId", "SignatureMethod", "SignatureVersion", "Timestamp", "Version"]
    /// api-01's Timestamp carries milliseconds, which this client never sends.
    static let reproducible = vectors.filter { $0.id != "api-01-gts-get-sandbox" }

    static func date(_ timestamp: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: timestamp)!
    }

    /// Builds a client configured exactly as the vector's signer was, with a fake transport.
    static func client(for vector: SigV2VectorFile.Vector, transport: any HTTPTransport, events: FPSEventSink? = nil) -> FPSAPIClient {
        let input = vector.input
        // Port 8080 is the plain-HTTP local sandbox; the scheme does not change a host line
        // that carries a non-default port.
        let scheme = input.host.hasSuffix(":8080") ? "http" : "https"
        let params = input.params
        return FPSAPIClient(
            endpoint: URL(string: "\(scheme)://\(input.host)\(input.path)")!,
            credentials: FPSCredentials(accessKeyID: params["AWSAccessKeyId"]!, secretKey: input.secret_key),
            transport: transport,
            signatureMethod: SignatureMethod(rawValue: input.signature_method)!,
            httpMethod: HTTPMethodChoice(rawValue: input.verb)!,
            version: params["Version"]!,
            clock: { date(params["Timestamp"]!) },
            events: events)
    }

    /// Decodes the parameters a request carries in its query (GET) or body (POST).
    static func sentParameters(_ request: HTTPRequest) throws -> [String: String] {
        let raw: String
        if request.method == "POST" {
            raw = String(decoding: try #require(request.body), as: UTF8.self)
        } else {
            raw = try #require(request.url.query(percentEncoded: true))
        }
        return dictionary(try QueryString.parse(Substring(raw)))
    }

    static func expectMatches(_ request: HTTPRequest, _ vector: SigV2VectorFile.Vector) throws {
        let input = vector.input
        #expect(request.method == input.verb)
        #expect(request.headers["Host"] == input.host.lowercased())
        var sent = try sentParameters(request)
        #expect(sent.removeValue(forKey: "Signature") == vector.expected.signature, "\(vector.id) signature")
        #expect(sent == input.params, "\(vector.id) parameters")
        if input.verb == "POST" {
            #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8")
            #expect(request.url.absoluteString == (input.host.hasSuffix(":8080") ? "http" : "https") + "://\(input.host)\(input.path)")
            let body = String(decoding: try #require(request.body), as: UTF8.self)
            #expect(body.hasSuffix("&Signature=" + (vector.expected.signature_param_encoded ?? "")))
        } else {
            #expect(request.body == nil)
            let scheme = input.host.hasSuffix(":8080") ? "http" : "https"
            #expect(request.url.absoluteString.hasPrefix("\(scheme)://\(input.host)\(input.path)?"))
            #expect(request.url.absoluteString.hasSuffix("&Signature=" + (vector.expected.signature_param_encoded ?? "")))
        }
    }

    @Test("signedRequest reproduces vector", arguments: reproducible)
    func signedRequestMatchesVector(_ vector: SigV2VectorFile.Vector) throws {
        let client = Self.client(for: vector, transport: RecordingTransport(xml: ""))
        let params = vector.input.params
        let extra = params.filter { !Self.commonNames.contains($0.key) }.queryParameters
        let request = client.signedRequest(action: params["Action"]!, parameters: extra)
        try Self.expectMatches(request, vector)
    }

    static func vector(_ id: String) throws -> SigV2VectorFile.Vector {
        try #require(vectors.first { $0.id == id })
    }

    @Test func paySendsVectorRequest() async throws {
        let vector = try Self.vector("api-02-pay-post-reserved-chars")
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/Pay.Pending.xml"), encoding: .utf8))
        let result = try await Self.client(for: vector, transport: transport).pay(
            senderTokenID: "Z5SJ7C4KM6KD3FGF8A6TUIMN2WDFUTDKR1RDHXTJ7IVT56FRDXVA4T8WR7ZHR5D1",
            amount: Money(minorUnits: 1250), callerReference: "order 42 ~*+/=&")
        #expect(transport.requests.count == 1)
        try Self.expectMatches(try #require(transport.requests.first), vector)
        #expect(result == TransactionResult(transactionID: "16SANDBOXPAY00000000000000000000001", status: .pending,
                                            requestID: "5f1c0001-7a3b-4c2d-9e8f-0123456789ab:0"))
    }

    @Test func getTransactionStatusSendsHostWithPort() async throws {
        let vector = try Self.vector("api-09-local-sandbox-host-with-port")
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/GetTransactionStatus.Success.xml"), encoding: .utf8))
        let result = try await Self.client(for: vector, transport: transport).getTransactionStatus(transactionID: "SANDBOX-TXN-0001")
        try Self.expectMatches(try #require(transport.requests.first), vector)
        #expect(result.status == .success)
        #expect(result.statusCode == "Success")
    }

    @Test func getOnSubpathSignsThePath() async throws {
        let vector = try Self.vector("api-10-local-sandbox-subpath")
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/GetTransactionStatus.PendingNetworkResponse.xml"), encoding: .utf8))
        let result = try await Self.client(for: vector, transport: transport).getTransactionStatus(transactionID: "SANDBOX-TXN-0002")
        try Self.expectMatches(try #require(transport.requests.first), vector)
        #expect(result.statusCode == "PendingNetworkResponse")
    }

    @Test func settleSendsVectorRequest() async throws {
        let vector = try Self.vector("api-05-settle-mixedcase-host")
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/Settle.Pending.xml"), encoding: .utf8))
        let result = try await Self.client(for: vector, transport: transport).settle(
            reserveTransactionID: "14GKD9GE66FAA63E6O6B2JDPZKN53LZ7F22", amount: Money(minorUnits: 8000))
        try Self.expectMatches(try #require(transport.requests.first), vector)
        #expect(result.status == .pending)
    }

    @Test func cancelSendsEmptyDescription() async throws {
        let vector = try Self.vector("api-06-cancel-empty-value")
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/Cancel.Cancelled.xml"), encoding: .utf8))
        let result = try await Self.client(for: vector, transport: transport).cancel(transactionID: "14GKI1SKSR1V6DO1RCCB32RBR6KLODMGQUD", description: "")
        try Self.expectMatches(try #require(transport.requests.first), vector)
        #expect(result.status == .cancelled)
    }

    @Test func verifySignatureDoubleEncodesHttpParameters() async throws {
        let vector = try Self.vector("api-08-verifysignature-double-encoding")
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/VerifySignature.Failure.xml"), encoding: .utf8))
        let params = vector.input.params
        let result = try await Self.client(for: vector, transport: transport).verifySignature(
            urlEndPoint: params["UrlEndPoint"]!, httpParameters: params["HttpParameters"]!)
        try Self.expectMatches(try #require(transport.requests.first), vector)
        #expect(result.verificationStatus == "Failure")
        #expect(!result.isVerified)
        #expect(try #require(transport.requests.first).url.absoluteString.contains("expiry%3D10%252F2015"))
    }

    @Test func reserveUsesReserveAction() async throws {
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/Reserve.Reserved.xml"), encoding: .utf8))
        let client = FPSAPIClient(endpoint: URL(string: "http://127.0.0.1:8080/")!,
                                  credentials: FPSCredentials(accessKeyID: "AKIDFPSSANDBOX000001", secretKey: "sandbox/secret+key=with~odd*chars"),
                                  transport: transport, clock: { Date(timeIntervalSince1970: 1_317_655_181) })
        let result = try await client.reserve(senderTokenID: "TOKEN-R", amount: Money(minorUnits: 5997), callerReference: "order-7")
        #expect(result.status == .reserved)
        let sent = try Self.sentParameters(try #require(transport.requests.first))
        #expect(sent["Action"] == "Reserve")
        #expect(sent["TransactionAmount.Value"] == "59.97")
        #expect(sent["TransactionAmount.CurrencyCode"] == "USD")
        #expect(sent["Timestamp"] == "2011-10-03T15:19:41Z")
        #expect(sent["Version"] == "2010-08-28")
        #expect(sent["SignatureMethod"] == "HmacSHA256")
    }

    @Test func settleWithoutAmountSendsNoAmount() async throws {
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/Settle.Pending.xml"), encoding: .utf8))
        let client = FPSAPIClient(endpoint: URL(string: "http://127.0.0.1:8080/")!,
                                  credentials: FPSCredentials(accessKeyID: "AKID", secretKey: "secret"), transport: transport)
        _ = try await client.settle(reserveTransactionID: "R1", amount: nil)
        let sent = try Self.sentParameters(try #require(transport.requests.first))
        #expect(sent["ReserveTransactionId"] == "R1")
        #expect(sent["TransactionAmount.Value"] == nil)
    }

    @Test func olderVersionIsSent() throws {
        let client = FPSAPIClient(endpoint: URL(string: "https://fps.sandbox.amazonaws.com/")!,
                                  credentials: FPSCredentials(accessKeyID: "AKID", secretKey: "secret"),
                                  transport: RecordingTransport(xml: ""), version: "2008-09-17")
        let sent = try Self.sentParameters(client.signedRequest(action: "GetTransactionStatus", parameters: [QueryParameter("TransactionId", "T")]))
        #expect(sent["Version"] == "2008-09-17")
    }

    /// `signedRequest` sorts only the supplied parameters and merges them with its added names,
    /// which are already in byte order. Supplied names that sort before, between and after the
    /// added ones, and non-ASCII ones, must give the body of the full sort in `QueryString`.
    @Test func signedRequestMergesSuppliedNames() throws {
        let fixedDate = Date(timeIntervalSince1970: 1_317_655_181)
        for method in [HTTPMethodChoice.post, .get] {
            let client = FPSAPIClient(endpoint: URL(string: "https://FPS.Example.com:8443/a b/")!,
                                      credentials: FPSCredentials(accessKeyID: "AKID", secretKey: "secret"),
                                      transport: RecordingTransport(xml: ""), httpMethod: method, clock: { fixedDate })
            let supplied = [
                QueryParameter("zeta", "last"), QueryParameter("AAA", "first"), QueryParameter("AWSZ", "a b"),
                QueryParameter("Ab", "x"), QueryParameter("SignatureMethodX", "~"), QueryParameter("Sign", "+/="),
                QueryParameter("Timestamp0", "t"), QueryParameter("Versio", "v"), QueryParameter("Über", "ü"),
                QueryParameter("Action", "dropped"), QueryParameter("B", ""),
            ]
            let request = client.signedRequest(action: "Pay", parameters: supplied)
            let raw = method == .post
                ? String(decoding: try #require(request.body), as: UTF8.self)
                : try #require(request.url.query(percentEncoded: true))

            var expected = supplied.filter { $0.name != "Action" } + [
                QueryParameter("Action", "Pay"), QueryParameter("AWSAccessKeyId", "AKID"),
                QueryParameter("SignatureMethod", "HmacSHA256"), QueryParameter("SignatureVersion", "2"),
                QueryParameter("Timestamp", "2011-10-03T15:19:41Z"), QueryParameter("Version", "2010-08-28"),
            ]
            expected.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
            let canonical = QueryString.encode(expected)
            let stringToSign = "\(method.rawValue)\nfps.example.com:8443\n/a%20b/\n" + canonical
            let signature = SignatureV2.sign(stringToSign, secretKey: "secret", method: .hmacSHA256)
            #expect(raw == canonical + "&Signature=" + PercentEncoding.encode(signature), "\(method)")
        }
    }

    /// The Timestamp is cached per whole second, and years outside 1583 to 9999 skip the
    /// cache, so each request must still carry the Timestamp of its own clock read.
    @Test func signedRequestFollowsClockSeconds() throws {
        let dates = [1_317_655_181.2, 1_317_655_181.4, 1_317_655_182, 253_402_300_800, 253_402_300_800, 1_317_655_181]
            .map { Date(timeIntervalSince1970: $0) }
        let next = Mutex(0)
        let client = FPSAPIClient(endpoint: URL(string: "https://fps.example.com/")!,
                                  credentials: FPSCredentials(accessKeyID: "AK/ID+1", secretKey: "secret"),
                                  transport: RecordingTransport(xml: ""),
                                  clock: { dates[next.withLock { index in defer { index += 1 }; return index }] })
        for date in dates {
            let request = client.signedRequest(action: "Pay", parameters: [QueryParameter("B", "1")])
            let parameters = try QueryString.parse(Substring(String(decoding: try #require(request.body), as: UTF8.self)))
            let value = { (name: String) in parameters.first { $0.name == name }?.value }
            #expect(value("Timestamp") == FPSAPIClient.timestamp(date), "\(date)")
            #expect(value("AWSAccessKeyId") == "AK/ID+1")

            let stringToSign = SignatureV2.stringToSign(verb: "POST", hostLine: "fps.example.com", path: "/",
                                                        parameters: parameters, excluding: "Signature")
            #expect(value("Signature") == SignatureV2.sign(stringToSign, secretKey: "secret", method: .hmacSHA256))
        }
    }

    @Test func timestampIsUTCWithZ() {
        #expect(FPSAPIClient.timestamp(Date(timeIntervalSince1970: 1_317_655_181)) == "2011-10-03T15:19:41Z")
        #expect(FPSAPIClient.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }
}

@Suite("FPSAPIClient validation and errors")
struct APIClientBehaviourTests {
    static let token = "N1ABCQ7TSDDBK2F5RXZ9UJMVXAPPCEQ2QH3NRB8PL3SUI4TDGJ5CKDZLMT4FR6EE"

    func makeClient(_ transport: any HTTPTransport, events: FPSEventSink? = nil) -> FPSAPIClient {
        FPSAPIClient(endpoint: URL(string: "http://127.0.0.1:8080/")!,
                     credentials: FPSCredentials(accessKeyID: "AKIDFPSSANDBOX000001", secretKey: "sandbox/secret+key=with~odd*chars"),
                     transport: transport, clock: { Date(timeIntervalSince1970: 1_317_655_181) }, events: events)
    }

    func expectInvalid(_ transport: RecordingTransport, _ body: () async throws(FPSError) -> Void, containing fragment: String) async {
        do {
            try await body()
            Issue.record("expected invalidRequest")
        } catch {
            guard case .invalidRequest(let message) = error else {
                Issue.record("expected invalidRequest, got \(error)")
                return
            }
            #expect(message.contains(fragment), "\(message)")
        }
        #expect(transport.requests.isEmpty, "nothing may be sent for an invalid request")
    }

    @Test func invalidArgumentsAreRejectedBeforeSending() async {
        let transport = RecordingTransport(xml: "")
        let client = makeClient(transport)
        await expectInvalid(transport, { () async throws(FPSError) in _ = try await client.pay(senderTokenID: "T", amount: Money(minorUnits: 0), callerReference: "r") }, containing: "0.00")
        await expectInvalid(transport, { () async throws(FPSError) in _ = try await client.pay(senderTokenID: "T", amount: Money(minorUnits: -100), callerReference: "r") }, containing: "-1.00")
        await expectInvalid(transport, { () async throws(FPSError) in _ = try await client.pay(senderTokenID: "T", amount: Money(minorUnits: 100, currency: "EUR"), callerReference: "r") }, containing: "EUR")
        await expectInvalid(transport, { () async throws(FPSError) in _ = try await client.pay(senderTokenID: "T", amount: Money(minorUnits: 100), callerReference: "") }, containing: "CallerReference")
        await expectInvalid(transport, { () async throws(FPSError) in _ = try await client.reserve(senderTokenID: "T", amount: Money(minorUnits: 100), callerReference: String(repeating: "r", count: 129)) }, containing: "129")
        await expectInvalid(transport, { () async throws(FPSError) in _ = try await client.reserve(senderTokenID: " ", amount: Money(minorUnits: 100), callerReference: "r") }, containing: "sender token id")
        await expectInvalid(transport, { () async throws(FPSError) in _ = try await client.settle(reserveTransactionID: "", amount: nil) }, containing: "reserve transaction id")
        await expectInvalid(transport, { () async throws(FPSError) in _ = try await client.settle(reserveTransactionID: "R", amount: Money(minorUnits: 0)) }, containing: "0.00")
        await expectInvalid(transport, { () async throws(FPSError) in _ = try await client.getTransactionStatus(transactionID: "") }, containing: "transaction id")
    }

    @Test func callerReferenceOf128CharactersIsAccepted() async throws {
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/Pay.Pending.xml"), encoding: .utf8))
        _ = try await makeClient(transport).pay(senderTokenID: "T", amount: Money(minorUnits: 1), callerReference: String(repeating: "r", count: 128))
        #expect(transport.requests.count == 1)
    }

    @Test func serviceErrorCarriesCodeRequestIDAndStatus() async throws {
        let xml = try String(contentsOf: Fixture.url("xml/Error.InvalidTokenId_Sender.400.xml"), encoding: .utf8)
        let client = makeClient(RecordingTransport(status: 400, xml: xml))
        do {
            _ = try await client.pay(senderTokenID: Self.token, amount: Money(minorUnits: 1250), callerReference: "order-1")
            Issue.record("expected a service error")
        } catch {
            guard case .service(let code, _, let requestID, let status) = error else {
                Issue.record("expected service error, got \(error)")
                return
            }
            #expect(code == "InvalidTokenId_Sender")
            #expect(requestID == "1c8e3a7f-4d52-4a1f-b2e3-0a9f8e7d6c5b")
            #expect(status == 400)
            #expect(!error.isRetryable)
        }
    }

    @Test func serviceUnavailableIsRetryable() async throws {
        let xml = try String(contentsOf: Fixture.url("xml/Error.ServiceUnavailable.503.xml"), encoding: .utf8)
        do {
            _ = try await makeClient(RecordingTransport(status: 503, xml: xml)).getTransactionStatus(transactionID: "T1")
            Issue.record("expected a service error")
        } catch {
            #expect(error.code == "ServiceUnavailable")
            #expect(error.isRetryable)
        }
    }

    @Test func transportFailureIsPassedThrough() async {
        let log = EventLog()
        let client = makeClient(RecordingTransport { _ in .failure(.transport("The connection to 127.0.0.1:8080 was refused.")) }, events: log.sink)
        await #expect(throws: FPSError.transport("The connection to 127.0.0.1:8080 was refused.")) {
            _ = try await client.getTransactionStatus(transactionID: "T1")
        }
        #expect(log.events.map(\.kind) == [.request, .failure])
        #expect(log.events.last?.text.contains("refused") == true)
    }

    @Test func eventsRedactTokenAndSignature() async throws {
        let log = EventLog()
        let transport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/Pay.Pending.xml"), encoding: .utf8))
        _ = try await makeClient(transport, events: log.sink).pay(senderTokenID: Self.token, amount: Money(minorUnits: 1250), callerReference: "order-1")

        let events = log.events
        #expect(events.map(\.kind) == [.request, .response])
        let request = try #require(events.first?.text)
        let sent = try APIClientRequestTests.sentParameters(try #require(transport.requests.first))
        let signature = try #require(sent["Signature"])
        #expect(request.contains("Pay POST 127.0.0.1:8080"))
        #expect(request.contains("CallerReference=order-1"))
        #expect(request.contains("TransactionAmount.Value=12.50"))
        #expect(request.contains("SenderTokenId=N1AB…[64 chars]"))
        #expect(request.contains("Signature=\(signature.prefix(4))…[44 chars]"))
        #expect(!request.contains(Self.token))
        #expect(!request.contains(signature))
        #expect(!request.contains("sandbox/secret"))

        let response = try #require(events.last?.text)
        #expect(response.contains("HTTP 200"))
        #expect(response.contains("TransactionId=16SANDBOXPAY00000000000000000000001"))
        #expect(response.contains("TransactionStatus=Pending"))
        #expect(response.contains("RequestId=5f1c0001-7a3b-4c2d-9e8f-0123456789ab:0"))
        #expect(response.contains(" ms"))
    }

    @Test func errorEventNamesCodeAndRequestID() async throws {
        let log = EventLog()
        let xml = try String(contentsOf: Fixture.url("xml/Error.SignatureDoesNotMatch.403.xml"), encoding: .utf8)
        _ = try? await makeClient(RecordingTransport(status: 403, xml: xml), events: log.sink).getTransactionStatus(transactionID: "T1")
        let text = try #require(log.events.last?.text)
        #expect(log.events.last?.kind == .failure)
        #expect(text.contains("HTTP 403"))
        #expect(text.contains("SignatureDoesNotMatch"))
        #expect(text.contains("RequestId=3e0a5c91-6f74-4c31-94a5-2c1b0a9f8e7d"))
    }

    @Test func furtherActionsDecodeTheirAnswers() async throws {
        let token = try await makeClient(RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/GetTokenByCaller.xml"), encoding: .utf8)))
            .getTokenByCaller(callerReference: "order-1001")
        #expect(token.tokenStatus == "Active")

        let cancelTokenTransport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/CancelToken.xml"), encoding: .utf8))
        let requestID = try await makeClient(cancelTokenTransport).cancelToken(tokenID: Self.token, reasonText: "Order voided")
        #expect(requestID == "5f1c0014-7a3b-4c2d-9e8f-0123456789ab:0")
        let sent = try APIClientRequestTests.sentParameters(try #require(cancelTokenTransport.requests.first))
        #expect(sent["TokenId"] == Self.token)
        #expect(sent["ReasonText"] == "Order voided")

        let refundTransport = RecordingTransport(xml: try String(contentsOf: Fixture.url("xml/Refund.Pending.xml"), encoding: .utf8))
        let refund = try await makeClient(refundTransport).refund(transactionID: "T1", callerReference: "refund-1", amount: Money(minorUnits: 200))
        #expect(refund.transactionID == "16SANDBOXRFD00000000000000000000001")
        let refundSent = try APIClientRequestTests.sentParameters(try #require(refundTransport.requests.first))
        #expect(refundSent["RefundAmount.Value"] == "2.00")
        #expect(refundSent["RefundAmount.CurrencyCode"] == "USD")
    }
}

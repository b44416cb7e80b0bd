import Foundation
import FPSClient
import Testing
@testable import Sandbox

@Suite("Sandbox interoperability")
struct InteropTests {
    /// Two Pay requests captured from boto 2.49 on a loopback server. boto signed the host line
    /// `127.0.0.1` without the port and pinned Timestamp to 2011-10-03T15:19:41Z.
    static let botoAccessKey = "AKIAIOSFODNN7EXAMPLE"
    static let botoSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let botoTimestamp = Date(timeIntervalSince1970: 1_317_655_181)
    static let botoGetTarget = "/?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=Pay&CallerReference=order-1%20~%2A%2B%2F%3D%26&SenderDescription=caf%C3%A9%20%E6%97%A5%E6%9C%AC&SenderTokenId=TOKEN1&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2011-10-03T15%3A19%3A41Z&TransactionAmount.CurrencyCode=USD&TransactionAmount.Value=12.50&Version=2010-08-28&Signature=%2FWKolHqhooUt%2FE11zdDv%2FZEpvLJ2jZYSgRd1CH%2F%2BXso%3D"
    static let botoPostBody = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Action=Pay&CallerReference=order-1%20~%2A%2B%2F%3D%26&SenderDescription=caf%C3%A9%20%E6%97%A5%E6%9C%AC&SenderTokenId=TOKEN1&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2011-10-03T15%3A19%3A41Z&TransactionAmount.CurrencyCode=USD&TransactionAmount.Value=12.50&Version=2010-08-28&Signature=LlUs%2BaPqAPJPIaNRaP6wUyLFP4Zl2aI58KW%2FtLhq7DI%3D"

    @Test("boto GET and POST captures are accepted")
    func botoCapturesAccepted() async throws {
        let sandbox = try SandboxHarness(clock: TestClock(Self.botoTimestamp))
        try sandbox.server.registerCaller(accessKeyID: Self.botoAccessKey, secretKey: Self.botoSecretKey)
        let now = sandbox.clock.now
        try sandbox.server.store.database.transaction {
            try sandbox.server.store.insert(TokenRecord(
                tokenID: "TOKEN1", callerKey: Self.botoAccessKey, callerReference: "boto-authorization",
                cbuiRequestID: nil, amount: Money(minorUnits: 1250), reserve: false, paymentMethod: .creditCard,
                cardExpiry: "10/2014", createdAt: now, expiresAt: now + 3 * 3600, used: false))
        }

        let get = try await sandbox.send("GET", Self.botoGetTarget)
        #expect(get.status == 200, "\(get.body)")
        #expect(get.xml("TransactionStatus") == "Success")
        let transactionID = try #require(get.xml("TransactionId"))

        // The POST carries the same parameters, so it is a replay of the GET.
        let post = try await sandbox.send("POST", "/", body: Self.botoPostBody,
                                          contentType: "application/x-www-form-urlencoded; charset=UTF-8")
        #expect(post.status == 200, "\(post.body)")
        #expect(post.xml("TransactionId") == transactionID)

        let status = try await sandbox.api("GetTransactionStatus", ["TransactionId": transactionID],
                                           secret: Self.botoSecretKey, accessKey: Self.botoAccessKey)
        #expect(status.xml("CallerReference") == "order-1 ~*+/=&")
    }

    @Test("boto capture with a changed value is rejected")
    func botoCaptureTamperedRejected() async throws {
        let sandbox = try SandboxHarness(clock: TestClock(Self.botoTimestamp))
        try sandbox.server.registerCaller(accessKeyID: Self.botoAccessKey, secretKey: Self.botoSecretKey)
        let tampered = Self.botoGetTarget.replacingOccurrences(of: "Value=12.50", with: "Value=12.51")

        let response = try await sandbox.send("GET", tampered)

        #expect(response.status == 403)
        #expect(response.xml("Code") == "SignatureDoesNotMatch")
    }

    @Test("FPSAPIClient pays and settles against the sandbox", arguments: [HTTPMethodChoice.post, .get])
    func clientPaysAndSettles(method: HTTPMethodChoice) async throws {
        let sandbox = try SandboxHarness()
        let client = FPSAPIClient(
            endpoint: URL(string: sandbox.server.baseURL + "/")!,
            credentials: FPSCredentials(accessKeyID: SandboxServer.demoAccessKeyID, secretKey: SandboxServer.demoSecretKey),
            transport: URLSessionTransport(), httpMethod: method, clock: sandbox.clock.function)
        let payToken = try await sandbox.token(amount: "9.99")
        let reserveToken = try await sandbox.token(amount: "20.00", reserve: true)

        let pay = try await client.pay(senderTokenID: payToken, amount: Money(minorUnits: 999), callerReference: "client-pay")
        let reserve = try await client.reserve(senderTokenID: reserveToken, amount: Money(minorUnits: 2000),
                                               callerReference: "client-reserve")
        let settle = try await client.settle(reserveTransactionID: reserve.transactionID, amount: Money(minorUnits: 1500))
        let status = try await client.getTransactionStatus(transactionID: pay.transactionID)

        #expect(pay.status == .success)
        #expect(reserve.status == .reserved)
        #expect(settle.transactionID == reserve.transactionID)
        #expect(settle.status == .success)
        #expect(status.callerReference == "client-pay")
    }

    @Test("FPSAPIClient refunds, cancels and reads tokens")
    func clientRefundsCancelsAndReadsTokens() async throws {
        let sandbox = try SandboxHarness()
        let client = FPSAPIClient(
            endpoint: URL(string: sandbox.server.baseURL + "/")!,
            credentials: FPSCredentials(accessKeyID: SandboxServer.demoAccessKeyID, secretKey: SandboxServer.demoSecretKey),
            transport: URLSessionTransport(), httpMethod: .post, clock: sandbox.clock.function)
        let payRedirect = try await sandbox.authorize(amount: "9.99", callerReference: "client-order-1")
        let payToken = try #require(payRedirect.values["tokenID"])
        let reserveToken = try await sandbox.token(amount: "20.00", reserve: true)
        let spareToken = try await sandbox.token(amount: "1.00")

        let pay = try await client.pay(senderTokenID: payToken, amount: Money(minorUnits: 999), callerReference: "client-pay-2")
        let refund = try await client.refund(transactionID: pay.transactionID, callerReference: "client-refund",
                                             amount: Money(minorUnits: 499))
        let reserve = try await client.reserve(senderTokenID: reserveToken, amount: Money(minorUnits: 2000),
                                               callerReference: "client-reserve-2")
        let cancel = try await client.cancel(transactionID: reserve.transactionID, description: "out of stock")
        let token = try await client.getTokenByCaller(callerReference: "client-order-1")
        let cancelTokenRequestID = try await client.cancelToken(tokenID: spareToken, reasonText: "not needed")
        let verification = try await client.verifySignature(urlEndPoint: payRedirect.endpoint,
                                                            httpParameters: payRedirect.rawQuery)

        #expect(refund.status == .success)
        #expect(refund.transactionID != pay.transactionID)
        #expect(cancel.transactionID == reserve.transactionID)
        #expect(cancel.status == .cancelled)
        #expect(token.tokenID == payToken)
        #expect(token.tokenStatus == "Inactive")
        #expect(cancelTokenRequestID?.isEmpty == false)
        #expect(verification.isVerified)
    }
}

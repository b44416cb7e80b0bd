import Foundation
import Testing
@testable import FPSClient

@Suite("XML samples")
struct XMLSampleTests {
    static let file = try? Fixture.decode(XMLSampleFile.self, "xml_samples.json")
    static let samples = file?.samples ?? []
    static let transactionActions: Set<String> = ["Pay", "Reserve", "Settle", "Cancel", "Refund", "GetTransactionStatus"]

    @Test func sampleFileLoads() {
        #expect(Self.samples.count == 21)
    }

    /// Follows an assert path such as `f:PayResult/f:TransactionId`, where `f:` means the FPS
    /// namespace and a bare name means no namespace.
    static func find(_ path: String, from root: FPSXMLElement, namespace: String) -> FPSXMLElement? {
        var current = root
        for step in path.split(separator: "/") {
            let wantsNamespace = step.hasPrefix("f:")
            let name = wantsNamespace ? String(step.dropFirst(2)) : String(step)
            guard let next = current.children.first(where: { $0.name == name && $0.namespace == (wantsNamespace ? namespace : nil) }) else {
                return nil
            }
            current = next
        }
        return current
    }

    static func response(_ sample: XMLSampleFile.Sample) throws -> HTTPResponse {
        HTTPResponse(status: sample.http_status, headers: [:], body: try Fixture.data(sample.file))
    }

    @Test("every assert holds", arguments: samples)
    func asserts(_ sample: XMLSampleFile.Sample) throws {
        let namespace = try #require(Self.file).namespace
        let root = try FPSXML.parse(try Fixture.data(sample.file)).get()
        for (path, expected) in sample.assert {
            if path == "." {
                let tag = root.namespace.map { "{\($0)}\(root.name)" } ?? root.name
                #expect(tag == expected, "\(sample.file) root")
            } else {
                let element = Self.find(path, from: root, namespace: namespace)
                #expect(element?.text.trimmingCharacters(in: .whitespacesAndNewlines) == expected, "\(sample.file) \(path)")
            }
        }
    }

    @Test("typed decoding matches the asserts", arguments: samples)
    func typedDecoding(_ sample: XMLSampleFile.Sample) throws {
        let response = try Self.response(sample)
        let asserted = { (suffix: String) in sample.assert.first { $0.key.hasSuffix(suffix) }?.value }

        switch sample.action {
        case "*":
            let error = FPSResponseDecoder.serviceError(from: response)
            guard case .service(let code, let message, let requestID, let status) = error else {
                Issue.record("\(sample.file) decoded to \(error)")
                return
            }
            #expect(code == asserted("Errors/Error/Code"))
            #expect(requestID == asserted("RequestID"))
            #expect(status == sample.http_status)
            #expect(!message.isEmpty)
            #expect(error.isRetryable == ["InternalError", "ServiceUnavailable"].contains(code), "\(code)")

        case let action where Self.transactionActions.contains(action):
            let result = try FPSResponseDecoder.transactionResult(action: action, response: response)
            if let id = asserted("/f:TransactionId") { #expect(result.transactionID == id) }
            if let status = asserted("/f:TransactionStatus") { #expect(result.status.rawValue == status) }
            if let code = asserted("/f:StatusCode") { #expect(result.statusCode == code) }
            if let reference = asserted("/f:CallerReference") { #expect(result.callerReference == reference) }
            if let requestID = asserted("f:RequestId") { #expect(result.requestID == requestID) }
            #expect(result.requestID?.hasSuffix(":0") == true)

        case "VerifySignature":
            let result = try FPSResponseDecoder.verifySignatureResult(response: response)
            #expect(result.verificationStatus == asserted("VerificationStatus"))
            #expect(result.isVerified == (asserted("VerificationStatus") == "Success"))

        case "GetTokenByCaller":
            let token = try FPSResponseDecoder.tokenResult(response: response)
            #expect(token.tokenStatus == asserted("TokenStatus"))
            #expect(token.tokenType == asserted("TokenType"))
            #expect(token.tokenID == "N1ABCQ7TSDDBK2F5RXZ9UJMVXAPPCEQ2QH3NRB8PL3SUI4TDGJ5CKDZLMT4FR6EE")
            #expect(token.callerReference == "order-1001")

        case "CancelToken":
            #expect(try FPSResponseDecoder.metadataOnlyResult(action: "CancelToken", response: response) == asserted("RequestId"))

        default:
            Issue.record("no typed decoder covers action \(sample.action)")
        }
    }
}

extension XMLSampleFile.Sample: CustomTestStringConvertible {
    var testDescription: String { file }
}

@Suite("XML decoding edge cases")
struct XMLEdgeCaseTests {
    static let namespace = "http://fps.amazonaws.com/doc/2010-08-28/"

    func response(_ xml: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [:], body: Data(xml.utf8))
    }

    @Test func whitespaceWrappedIdentifiersAreTrimmed() throws {
        let xml = """
        <PayResponse xmlns="\(Self.namespace)"><PayResult><TransactionId>
            16SANDBOXPAY0001
          </TransactionId><TransactionStatus> Pending </TransactionStatus></PayResult>
          <ResponseMetadata><RequestId>  abc:0 \n</RequestId></ResponseMetadata></PayResponse>
        """
        let result = try FPSResponseDecoder.transactionResult(action: "Pay", response: response(xml))
        #expect(result == TransactionResult(transactionID: "16SANDBOXPAY0001", status: .pending, requestID: "abc:0"))
    }

    @Test func emptyElementsAreAbsent() throws {
        let xml = """
        <GetTransactionStatusResponse xmlns="\(Self.namespace)"><GetTransactionStatusResult>
        <TransactionId>T1</TransactionId><TransactionStatus>Success</TransactionStatus>
        <CallerReference></CallerReference><StatusCode/><StatusMessage>   </StatusMessage>
        </GetTransactionStatusResult></GetTransactionStatusResponse>
        """
        let result = try FPSResponseDecoder.transactionResult(action: "GetTransactionStatus", response: response(xml))
        #expect(result.statusCode == nil)
        #expect(result.statusMessage == nil)
        #expect(result.callerReference == nil)
        #expect(result.requestID == nil)
    }

    @Test func olderNamespaceAndPrefixedElementsDecode() throws {
        let xml = """
        <fps:ReserveResponse xmlns:fps="http://fps.amazonaws.com/doc/2008-09-17/"><fps:ReserveResult>
        <fps:TransactionId>R1</fps:TransactionId><fps:TransactionStatus>Reserved</fps:TransactionStatus>
        </fps:ReserveResult></fps:ReserveResponse>
        """
        let result = try FPSResponseDecoder.transactionResult(action: "Reserve", response: response(xml))
        #expect(result.transactionID == "R1")
        #expect(result.status == .reserved)
    }

    @Test func namespacedErrorResponseShape() {
        let xml = """
        <ErrorResponse xmlns="\(Self.namespace)"><Error><Type>Sender</Type><Code>InvalidTokenId_Sender</Code>
        <Message>The sender token is not valid.</Message><Detail/></Error><RequestId>req-77</RequestId></ErrorResponse>
        """
        let error = FPSResponseDecoder.serviceError(from: response(xml, status: 400))
        #expect(error == .service(code: "InvalidTokenId_Sender", message: "The sender token is not valid.", requestID: "req-77", httpStatus: 400))
        #expect(!error.isRetryable)
    }

    @Test func unknownErrorCodeIsKept() {
        let xml = "<Response><Errors><Error><Code>BrandNewCode</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>"
        #expect(FPSResponseDecoder.serviceError(from: response(xml, status: 400)).code == "BrandNewCode")
    }

    @Test func onlyTheFirstErrorIsReported() {
        let xml = """
        <Response><Errors><Error><Code>InvalidParams</Code><Message>first</Message></Error>
        <Error><Code>AmountOutOfRange</Code><Message>second</Message></Error></Errors><RequestID>r</RequestID></Response>
        """
        #expect(FPSResponseDecoder.serviceError(from: response(xml, status: 400)) == .service(code: "InvalidParams", message: "first", requestID: "r", httpStatus: 400))
    }

    @Test func errorDocumentWithStatus200IsAnError() {
        let xml = "<Response><Errors><Error><Code>InternalError</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>"
        #expect(throws: FPSError.service(code: "InternalError", message: "m", requestID: "r", httpStatus: 200)) {
            try FPSResponseDecoder.transactionResult(action: "Pay", response: response(xml))
        }
    }

    @Test("non-XML 500 and 503 are retryable", arguments: [500, 503])
    func nonXMLServerError(_ status: Int) {
        let error = FPSResponseDecoder.serviceError(from: response("<html><body>Bad Gateway</body>", status: status))
        guard case .malformedResponse(let httpStatus, let detail) = error else {
            Issue.record("expected malformedResponse, got \(error)")
            return
        }
        #expect(httpStatus == status)
        #expect(detail.contains("<html>"))
        #expect(error.isRetryable)
    }

    @Test func plainTextBodyFor400IsNotRetryable() {
        let error = FPSResponseDecoder.serviceError(from: response("Bad Request", status: 400))
        guard case .malformedResponse(400, _) = error else {
            Issue.record("expected malformedResponse 400, got \(error)")
            return
        }
        #expect(!error.isRetryable)
    }

    @Test func mismatchedTagsAreRejected() {
        guard case .failure = FPSXML.parse(Data("<a><b></a>".utf8)) else {
            Issue.record("<a><b></a> must not parse")
            return
        }
    }

    @Test func truncatedDocumentIsRejected() {
        guard case .failure = FPSXML.parse(Data("<PayResponse><PayResult><TransactionId>T".utf8)) else {
            Issue.record("a truncated document must not parse")
            return
        }
    }

    @Test func excessiveDepthIsRejected() {
        let deep = String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40)
        guard case .failure(let failure) = FPSXML.parse(Data(deep.utf8)) else {
            Issue.record("40 nested levels must be rejected")
            return
        }
        #expect(failure.detail.contains("nested"))
    }

    @Test func wrongResponseElementIsMalformed() {
        let xml = "<SettleResponse xmlns=\"\(Self.namespace)\"><SettleResult><TransactionId>T</TransactionId><TransactionStatus>Pending</TransactionStatus></SettleResult></SettleResponse>"
        #expect(throws: FPSError.self) { try FPSResponseDecoder.transactionResult(action: "Pay", response: response(xml)) }
    }

    @Test func unknownTransactionStatusIsMalformed() {
        let xml = "<PayResponse xmlns=\"\(Self.namespace)\"><PayResult><TransactionId>T</TransactionId><TransactionStatus>Mystery</TransactionStatus></PayResult></PayResponse>"
        do {
            _ = try FPSResponseDecoder.transactionResult(action: "Pay", response: response(xml))
            Issue.record("expected an error")
        } catch {
            guard case .malformedResponse(200, let detail) = error else {
                Issue.record("expected malformedResponse, got \(error)")
                return
            }
            #expect(detail.contains("Mystery"))
        }
    }

    @Test func missingTransactionIdIsMalformed() {
        let xml = "<PayResponse xmlns=\"\(Self.namespace)\"><PayResult><TransactionId> </TransactionId><TransactionStatus>Pending</TransactionStatus></PayResult></PayResponse>"
        #expect(throws: FPSError.self) { try FPSResponseDecoder.transactionResult(action: "Pay", response: response(xml)) }
    }

    @Test func uppercaseIPNStatusWordIsAccepted() throws {
        let xml = "<PayResponse xmlns=\"\(Self.namespace)\"><PayResult><TransactionId>T</TransactionId><TransactionStatus>SUCCESS</TransactionStatus></PayResult></PayResponse>"
        #expect(try FPSResponseDecoder.transactionResult(action: "Pay", response: response(xml)).status == .success)
    }
}

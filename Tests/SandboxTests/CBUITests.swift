import Foundation
import FPSClient
import Testing
@testable import Sandbox

@Suite("Sandbox CBUI")
struct CBUITests {
    @Test("bad signature redirects with CE")
    func badSignatureRedirectsWithCE() async throws {
        let sandbox = try SandboxHarness()
        let target = sandbox.cbuiTarget(callerReference: "order-ce", secret: "not-the-secret-key-at-all")

        let response = try await sandbox.send("GET", target)

        #expect(response.status == 302)
        let redirect = try ReturnRedirect(try #require(response.headers["location"]))
        #expect(redirect.location.hasPrefix("http://127.0.0.1:9/return?shop=42&note=a%20b&"))
        #expect(redirect.values["status"] == "CE")
        #expect(redirect.values["callerReference"] == "order-ce")
        #expect(redirect.values["tokenID"] == nil)
        #expect(redirect.values["errorMessage"]?.contains("signature does not match") == true)
        let certificate = try await sandbox.send("GET", String(redirect.values["certificateUrl"]!.dropFirst(sandbox.server.baseURL.count)))
        #expect(verifyRSASHA1(message: redirect.stringToSign, base64Signature: redirect.values["signature"]!,
                              certificatePEM: certificate.body))
    }

    @Test("page shows merchant, amount and choices")
    func pageShowsAmountAndChoices() async throws {
        let sandbox = try SandboxHarness()
        let target = sandbox.cbuiTarget(amount: "1234.5", extra: ["websiteDescription": "Corner <Books>", "paymentReason": "Order 1001"])

        let page = try await sandbox.send("GET", target)

        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.body.contains("USD 1234.50"))
        #expect(page.body.contains("Corner &lt;Books&gt;"))
        #expect(page.body.contains("Order 1001"))
        #expect(page.body.contains(#"action="/cobranded-ui/actions/decide""#))
        #expect(page.body.contains(#"value="approve""#))
        #expect(page.body.contains(#"value="decline""#))
        for method in ["CC", "ACH", "ABT"] {
            #expect(page.body.contains(#"name="paymentMethod" value="\#(method)""#))
        }
        for status in ["SA", "SB", "SC", "SE", "A", "CE", "PE", "NP", "NM"] {
            #expect(page.body.contains(#"<option value="\#(status)">"#), "test outcome \(status) missing")
        }
        #expect(!page.body.contains("<script"))
    }

    @Test("reserve order offers only a card")
    func reserveOrderOffersOnlyCard() async throws {
        let sandbox = try SandboxHarness()
        let page = try await sandbox.send("GET", sandbox.cbuiTarget(extra: ["reserve": "True"]))

        #expect(page.status == 200)
        #expect(page.body.contains(#"value="CC""#))
        #expect(!page.body.contains(#"value="ACH""#))
        #expect(!page.body.contains(#"value="ABT""#))
        #expect(!page.body.contains(#"<option value="SA">"#))
    }

    @Test("approve redirects with a verifiable signature")
    func approveRedirectVerifies() async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize(method: "CC", callerReference: "order-sc")

        let values = redirect.values
        #expect(redirect.location.hasPrefix("http://127.0.0.1:9/return?shop=42&note=a%20b&tokenID="))
        let token = try #require(values["tokenID"])
        #expect(token.count == 64)
        #expect(token.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) })
        #expect(values["status"] == "SC")
        #expect(values["callerReference"] == "order-sc")
        #expect(values["shop"] == "42")
        #expect(values["note"] == "a b")
        #expect(values["errorMessage"] == nil)
        #expect(values["signatureMethod"] == "RSA-SHA1")
        #expect(values["signatureVersion"] == "2")
        // The test clock starts at 2023-11-14, and the test card expires three years later.
        #expect(values["expiry"] == "11/2026")
        let certificateURL = try #require(values["certificateUrl"])
        #expect(certificateURL == sandbox.server.certificateURL)
        #expect(certificateURL.hasPrefix(sandbox.server.baseURL + "/fps/certs/231114/"))

        let certificate = try await sandbox.send("GET", String(certificateURL.dropFirst(sandbox.server.baseURL.count)))
        #expect(certificate.status == 200)
        #expect(certificate.body.hasPrefix("-----BEGIN CERTIFICATE-----"))
        let signature = try #require(values["signature"])
        #expect(verifyRSASHA1(message: redirect.stringToSign, base64Signature: signature, certificatePEM: certificate.body))

        let tampered = redirect.stringToSign.replacingOccurrences(of: "status=SC", with: "status=SA")
        #expect(!verifyRSASHA1(message: tampered, base64Signature: signature, certificatePEM: certificate.body))
    }

    @Test("bank and balance approvals return SB and SA", arguments: [("ACH", "SB"), ("ABT", "SA")])
    func bankAndBalanceApprovals(method: String, status: String) async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize(method: method)

        #expect(redirect.values["status"] == status)
        #expect(redirect.values["tokenID"] != nil)
        #expect(redirect.values["expiry"] == nil)
    }

    @Test("decline returns A without a token")
    func declineReturnsAbandoned() async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize(decision: "decline")

        #expect(redirect.values["status"] == "A")
        #expect(redirect.values["tokenID"] == nil)
        #expect(redirect.values["errorMessage"] != nil)
    }

    @Test("test outcome forces each failure status", arguments: ["SE", "CE", "PE", "NP", "NM"])
    func testOutcomeForcesFailure(status: String) async throws {
        let sandbox = try SandboxHarness()
        let redirect = try await sandbox.authorize(testOutcome: status)

        #expect(redirect.values["status"] == status)
        #expect(redirect.values["tokenID"] == nil)
        #expect(redirect.values["expiry"] == nil)
        #expect(redirect.values["errorMessage"]?.isEmpty == false)
        let certificate = try await sandbox.send("GET", String(sandbox.server.certificateURL.dropFirst(sandbox.server.baseURL.count)))
        #expect(verifyRSASHA1(message: redirect.stringToSign, base64Signature: redirect.values["signature"]!,
                              certificatePEM: certificate.body))
    }

    @Test("missing returnURL answers an HTML 400")
    func missingReturnURLAnswersHTML() async throws {
        let sandbox = try SandboxHarness()
        let target = sandbox.cbuiTarget(returnURL: "")

        let response = try await sandbox.send("GET", target)

        #expect(response.status == 400)
        #expect(response.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(response.body.contains("returnURL is missing"))
    }

    @Test("relative returnURL answers an HTML 400")
    func relativeReturnURLAnswersHTML() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.send("GET", sandbox.cbuiTarget(returnURL: "/thanks"))

        #expect(response.status == 400)
        #expect(response.body.contains("not an absolute http or https URL"))
    }

    @Test("invalid amount redirects with CE", arguments: ["12.345", "0", "-1", "1,50", "10000.01"])
    func invalidAmountRedirectsWithCE(amount: String) async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.send("GET", sandbox.cbuiTarget(amount: amount))

        #expect(response.status == 302)
        let redirect = try ReturnRedirect(try #require(response.headers["location"]))
        #expect(redirect.values["status"] == "CE")
        #expect(redirect.values["errorMessage"]?.contains("transactionAmount") == true)
    }

    @Test("second decision on one request is refused")
    func secondDecisionRefused() async throws {
        let sandbox = try SandboxHarness()
        let page = try await sandbox.send("GET", sandbox.cbuiTarget())
        let requestID = try #require(page.firstMatch(#"name="request" value="([A-Z0-9]+)""#))
        let form = "request=\(requestID)&paymentMethod=CC&testOutcome=&decision=approve"

        let first = try await sandbox.send("POST", "/cobranded-ui/actions/decide", body: form)
        let second = try await sandbox.send("POST", "/cobranded-ui/actions/decide", body: form)

        #expect(first.status == 302)
        #expect(second.status == 409)
    }

    @Test("unknown request id is not found")
    func unknownRequestNotFound() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.send("POST", "/cobranded-ui/actions/decide",
                                              body: "request=NOSUCHREQUEST&paymentMethod=CC&decision=approve")
        #expect(response.status == 404)
    }
}

@Suite("Sandbox HTTP handling")
struct HTTPHandlingTests {
    @Test("plus in the query is read as a space")
    func plusReadAsSpace() async throws {
        let sandbox = try SandboxHarness()
        // Signed over the decoded value "Corner Books", sent with `+` as some clients do.
        let target = sandbox.cbuiTarget(extra: ["websiteDescription": "Corner Books"])
        #expect(target.contains("Corner%20Books"))

        let page = try await sandbox.send("GET", target.replacingOccurrences(of: "Corner%20Books", with: "Corner+Books"))

        #expect(page.status == 200)
        #expect(page.body.contains("Corner Books asks you to authorize"))
    }

    @Test("body above 1 MiB answers 413")
    func oversizedBody() async throws {
        let sandbox = try SandboxHarness()
        let response = try await sandbox.send("POST", "/", body: String(repeating: "a", count: (1 << 20) + 1))
        #expect(response.status == 413)
    }

    @Test("unknown path answers 404")
    func unknownPath() async throws {
        let sandbox = try SandboxHarness()
        let other = try await sandbox.send("GET", "/fps/certs/000000/PKICert.pem")
        #expect(other.status == 404)
    }
}

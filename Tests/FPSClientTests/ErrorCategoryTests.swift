import Testing
@testable import FPSClient

@Suite("Error categories")
struct ErrorCategoryTests {
    @Test func requestExpiredIsAClockProblem() {
        let error = FPSError.service(code: "RequestExpired", message: "Request has expired.", requestID: "req-0002", httpStatus: 400)
        #expect(error.category == .clock)
        #expect(error.advice.contains("clock"))
        #expect(!error.isRetryable)
    }

    @Test func signatureMismatchIsACredentialsProblem() {
        let error = FPSError.service(code: "SignatureDoesNotMatch", message: "mismatch", requestID: nil, httpStatus: 403)
        #expect(error.category == .credentials)
    }

    @Test func serviceUnavailableIsTransient() {
        let error = FPSError.service(code: "ServiceUnavailable", message: "busy", requestID: nil, httpStatus: 503)
        #expect(error.category == .transient)
        #expect(FPSError.transport("connection refused").category == .transient)
    }

    @Test func businessRuleIsARequestProblem() {
        let error = FPSError.service(code: "TokenUsageError", message: "used", requestID: nil, httpStatus: 400)
        #expect(error.category == .request)
    }
}

import Foundation
import Testing
@testable import FPSClient

@Suite("Date decoding")
struct DateDecodingTests {
    static let namespace = "http://fps.amazonaws.com/doc/2010-08-28/"

    /// A GetTokenByCaller response whose `DateInstalled` is `date` and whose token id is
    /// wrapped in a newline and indentation.
    func tokenResponse(dateInstalled date: String) -> HTTPResponse {
        let xml = """
        <GetTokenByCallerResponse xmlns="\(Self.namespace)"><GetTokenByCallerResult><Token>
          <TokenId>
            TOKEN0001
          </TokenId>
          <TokenStatus>Active</TokenStatus>
          <DateInstalled>\(date)</DateInstalled>
        </Token></GetTokenByCallerResult><ResponseMetadata><RequestId>r:0</RequestId></ResponseMetadata>
        </GetTokenByCallerResponse>
        """
        return HTTPResponse(status: 200, headers: [:], body: Data(xml.utf8))
    }

    @Test func emptyDateIsAbsent() throws {
        let token = try FPSResponseDecoder.tokenResult(response: tokenResponse(dateInstalled: ""))
        #expect(token.tokenID == "TOKEN0001")
        #expect(token.dateInstalled == nil)
        #expect(token.installedDate == nil)
    }

    @Test func dateWithNumericOffset() throws {
        let token = try FPSResponseDecoder.tokenResult(response: tokenResponse(dateInstalled: "2011-10-03T07:19:41-08:00"))
        // 07:19:41 at UTC-8 is 15:19:41 UTC: 1317655181 seconds after the Unix epoch.
        #expect(token.installedDate == Date(timeIntervalSince1970: 1_317_655_181))
    }

    @Test func zonelessDateReadsAsUTC() throws {
        let token = try FPSResponseDecoder.tokenResult(response: tokenResponse(dateInstalled: "2011-10-03T15:19:41"))
        #expect(token.installedDate == Date(timeIntervalSince1970: 1_317_655_181))
    }

    @Test func utcDateWithMilliseconds() {
        #expect(FPSDate.parse("2011-10-03T15:19:41.000Z") == Date(timeIntervalSince1970: 1_317_655_181))
        #expect(FPSDate.parse("2011-10-03T15:19:41Z") == Date(timeIntervalSince1970: 1_317_655_181))
    }

    @Test func unreadableDateIsNil() {
        #expect(FPSDate.parse("next Tuesday") == nil)
        #expect(FPSDate.parse("   ") == nil)
    }
}

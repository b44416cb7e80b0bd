import Testing
@testable import FPSClient

@Suite("Money parsing")
struct MoneyTests {
    @Test func lineTotalOfThreeItems() throws {
        let price = try Money.parse("19.99")
        #expect(price.minorUnits == 1999)
        let total = try #require(price.times(3))
        #expect(total.minorUnits == 5997)
        #expect(total.decimalString == "59.97")
    }

    @Test("accepted input", arguments: [
        ("0.01", Int64(1)), (".5", 50), ("12.5", 1250), ("12.50", 1250), ("7", 700), (" 3.00 ", 300), ("10000.00", 1_000_000),
    ])
    func accepted(_ text: String, _ minorUnits: Int64) throws {
        #expect(try Money.parse(text).minorUnits == minorUnits)
    }

    @Test("rejected input", arguments: [
        ("-1.00", "negative"), ("0.00", "zero"), ("0", "zero"), ("1e2", "only digits"), ("1.234", "two decimals"),
        ("1,50", "use a point"), ("", "empty"), ("1.2.3", "more than one decimal point"), ("+5", "only digits"),
        ("10000.01", "limit"), (".", "only digits"), ("12 50", "only digits"),
    ])
    func rejected(_ text: String, _ reasonFragment: String) {
        do {
            _ = try Money.parse(text)
            Issue.record("\(text.debugDescription) should be rejected")
        } catch {
            #expect(error.input == text)
            #expect(error.reason.contains(reasonFragment), "\(error.description)")
            #expect(error.description.contains("\"\(text)\""))
        }
    }

    @Test func decimalStringHasTwoDecimals() {
        #expect(Money(minorUnits: 5).decimalString == "0.05")
        #expect(Money(minorUnits: 250).decimalString == "2.50")
        #expect(Money(minorUnits: 25_000).decimalString == "250.00")
    }

    @Test func wireAmountsWithSixDecimals() {
        #expect(Money.parseWire("1.000000", currency: "USD")?.minorUnits == 100)
        #expect(Money.parseWire("12.50", currency: "USD")?.minorUnits == 1250)
        #expect(Money.parseWire("5", currency: "USD")?.minorUnits == 500)
        #expect(Money.parseWire("1.005000", currency: "USD") == nil)
        #expect(Money.parseWire("-1.00", currency: "USD") == nil)
        #expect(Money.parseWire("", currency: "USD") == nil)
    }
}

import Foundation

/// An amount of money in integer minor units (cents for USD) with its ISO 4217 currency code.
/// Floating point never touches money in this project.
public struct Money: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: String

    public init(minorUnits: Int64, currency: String = "USD") {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "compared \(lhs.currency) with \(rhs.currency)")
        return lhs.minorUnits < rhs.minorUnits
    }

    /// The FPS wire form: dollars with exactly two decimals, `59.97`.
    public var decimalString: String {
        // Written digit by digit into a stack buffer, because signing formats an amount on every
        // call and String interpolation cost more than the rest of the parameter. The longest
        // form is 22 bytes: a sign, 17 digits of dollars, the point and two digits of cents.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var position = buffer.count
            func put(_ byte: UInt8) {
                position -= 1
                buffer[position] = byte
            }
            let magnitude = minorUnits.magnitude
            let cents = magnitude % 100
            put(UInt8(ascii: "0") + UInt8(cents % 10))
            put(UInt8(ascii: "0") + UInt8(cents / 10))
            put(UInt8(ascii: "."))
            var dollars = magnitude / 100
            repeat {
                put(UInt8(ascii: "0") + UInt8(dollars % 10))
                dollars /= 10
            } while dollars > 0
            if minorUnits < 0 { put(UInt8(ascii: "-")) }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[position...]), as: UTF8.self)
        }
    }

    /// `USD 59.97`, for screens and logs.
    public var description: String { "\(currency) \(decimalString)" }

    /// Multiplies by a quantity; nil on overflow.
    public func times(_ quantity: Int64) -> Money? {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: quantity)
        return overflow ? nil : Money(minorUnits: product, currency: currency)
    }

    /// Adds an amount of the same currency; nil on overflow.
    public func plus(_ other: Money) -> Money? {
        precondition(currency == other.currency, "added \(other.currency) to \(currency)")
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        return overflow ? nil : Money(minorUnits: sum, currency: currency)
    }
}

/// Why a typed or received amount was rejected, with a message naming the value and the fix.
public struct AmountError: Error, Equatable, Sendable, CustomStringConvertible {
    public let input: String
    public let reason: String
    public var description: String { "Amount \"\(input)\" is invalid: \(reason)" }
}

extension Money {
    /// The largest amount the console accepts for one order or line: USD 10,000.00, the cap
    /// FPS documented in 2007 for card and bank payments.
    public static let maximumMinorUnits: Int64 = 1_000_000

    /// Parses an amount a clerk typed: digits, an optional `.` and at most two decimals.
    ///
    /// `.5` is read as `0.50`, a single decimal comma (`1,50`) is rejected with a hint to use a
    /// point, and signs, exponents, zero and three decimals are rejected before anything is signed.
    public static func parse(_ text: String, currency: String = "USD") throws(AmountError) -> Money {
        let input = text.trimmingCharacters(in: .whitespaces)
        func reject(_ reason: String) -> AmountError { AmountError(input: text, reason: reason) }
        if input.isEmpty { throw reject("it is empty; type an amount such as 12.50.") }
        if input.hasPrefix("-") { throw reject("it is negative; type a positive amount such as 12.50.") }
        if input.contains(",") {
            throw reject("use a point for decimals and no thousands separator, as in 1.50.")
        }
        let parts = input.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw reject("it has more than one decimal point.") }
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        let allDigits = { (part: Substring) in part.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        guard allDigits(whole), allDigits(fraction), !(whole.isEmpty && fraction.isEmpty) else {
            throw reject("only digits and one decimal point are allowed, as in 12.50.")
        }
        guard fraction.count <= 2 else { throw reject("at most two decimals are allowed, as in 12.50.") }
        guard whole.count <= 7 else { throw reject("it is above the USD 10,000.00 limit.") }
        let cents = Int64(fraction.padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0
        let units = (Int64(whole) ?? 0) * 100 + cents
        if units == 0 { throw reject("it is zero; the minimum is 0.01.") }
        if units > maximumMinorUnits { throw reject("it is above the USD 10,000.00 limit.") }
        return Money(minorUnits: units, currency: currency)
    }

    /// Parses an amount from an FPS document, which may carry six decimals (`1.000000`).
    /// Returns nil for anything that is not a plain non-negative decimal or has non-zero digits
    /// beyond the cent.
    public static func parseWire(_ text: String, currency: String) -> Money? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let wholeText = parts.first, !wholeText.isEmpty,
              wholeText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), wholeText.count <= 15 else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let cents = fraction.prefix(2).padding(toLength: 2, withPad: "0", startingAt: 0)
        guard fraction.dropFirst(2).allSatisfy({ $0 == "0" }), let whole = Int64(wholeText), let centValue = Int64(cents) else {
            return nil
        }
        return Money(minorUnits: whole * 100 + centValue, currency: currency)
    }
}

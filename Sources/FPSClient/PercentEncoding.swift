/// Percent-encoding and decoding as FPS Signature Version 2 defines them.
///
/// Every UTF-8 byte outside the RFC 3986 unreserved set (`A-Z a-z 0-9 - _ . ~`) becomes
/// `%XY` with upper-case hex, so a space is `%20`, never `+`.
public enum PercentEncoding {
    /// Encodes `text` for a SigV2 string to sign or a query string.
    public static func encode(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3)
        appendEncoded(text, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// True for the bytes that stay bare. A range check rather than a lookup table, because
    /// reading a global table costs a lazy-initialisation check on every byte.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Appends the encoded bytes of `text` to `output`; the hot path of signing.
    public static func appendEncoded(_ text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendEncoded(bytes: $0, to: &output) }
    }

    /// Appends the encoded form of UTF-8 `bytes` to `output`.
    static func appendEncoded<Bytes: Sequence>(bytes: Bytes, to output: inout [UInt8]) where Bytes.Element == UInt8 {
        for byte in bytes {
            if isUnreserved(byte) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(hexDigit(byte >> 4))
                output.append(hexDigit(byte & 0x0F))
            }
        }
    }

    /// Upper-case hex digits by value, as a literal that needs no lazy initialisation.
    static var upperHexDigits: StaticString { "0123456789ABCDEF" }

    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }

    /// Decodes `%XY` escapes; with `plusAsSpace`, a `+` becomes a space (form semantics).
    /// Returns nil when an escape is malformed or the bytes are not valid UTF-8.
    public static func decode(_ text: Substring, plusAsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}

/// One decoded query or form parameter. Order is kept as received.
public struct QueryParameter: Equatable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Errors from splitting a query string into parameters.
public enum QueryParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedEscape(String)
    case duplicateName(String)

    public var description: String {
        switch self {
        case .malformedEscape(let piece):
            return "The query part \"\(piece.prefix(40))\" has an invalid percent escape; re-copy the whole URI."
        case .duplicateName(let name):
            return "The parameter \"\(name)\" appears more than once; FPS never repeats a parameter."
        }
    }
}

public enum QueryString {
    /// Splits a raw query or form body into decoded parameters.
    ///
    /// The first `=` separates name from value, so `returnExtra=a=b` keeps `a=b` as the value;
    /// a bare name (`flag`) is present with an empty value. `+` decodes to a space, as
    /// form encoding and the FPS servers treat it. Duplicate names are rejected.
    public static func parse(_ raw: Substring, plusAsSpace: Bool = true) throws(QueryParseError) -> [QueryParameter] {
        var parameters: [QueryParameter] = []
        var seen = Set<String>()
        for piece in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let equals = piece.firstIndex(of: "=") {
                name = piece[..<equals]
                value = piece[piece.index(after: equals)...]
            } else {
                name = piece
                value = ""
            }
            guard let decodedName = PercentEncoding.decode(name, plusAsSpace: plusAsSpace),
                  let decodedValue = PercentEncoding.decode(value, plusAsSpace: plusAsSpace) else {
                throw .malformedEscape(String(piece))
            }
            guard seen.insert(decodedName).inserted else { throw .duplicateName(decodedName) }
            parameters.append(QueryParameter(decodedName, decodedValue))
        }
        return parameters
    }

    /// Joins parameters as `name=value` pairs with SigV2 percent-encoding, in the given order.
    public static func encode(_ parameters: [QueryParameter]) -> String {
        var output: [UInt8] = []
        for (index, parameter) in parameters.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            PercentEncoding.appendEncoded(parameter.name, to: &output)
            output.append(UInt8(ascii: "="))
            PercentEncoding.appendEncoded(parameter.value, to: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }
}

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
        var text = text
        return text.withUTF8 { decode(bytes: $0, plusAsSpace: plusAsSpace) }
    }

    /// Decodes UTF-8 `bytes` as `decode(_:plusAsSpace:)` does.
    static func decode(bytes: UnsafeBufferPointer<UInt8>, plusAsSpace: Bool) -> String? {
        // Most names and values carry no escape, and their bytes become the String as they are.
        let needsDecoding = bytes.contains { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }
        guard needsDecoding else { return String(validating: bytes, as: UTF8.self) }

        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                    return nil
                }
                decoded.append(high << 4 | low)
                index += 3
            case UInt8(ascii: "+") where plusAsSpace:
                decoded.append(UInt8(ascii: " "))
                index += 1
            default:
                decoded.append(byte)
                index += 1
            }
        }
        return String(validating: decoded, as: UTF8.self)
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
        // Scanned as UTF-8 bytes: `&` and `=` are ASCII, so they never occur inside a multi-byte
        // character, and byte offsets avoid the cost of Character indices.
        var raw = raw
        // withUTF8 rethrows untyped errors, so the closure returns a Result instead of throwing.
        let result = raw.withUTF8 { bytes -> Result<[QueryParameter], QueryParseError> in
            var parameters: [QueryParameter] = []
            var pieceStart = 0
            while pieceStart <= bytes.count {
                var pieceEnd = pieceStart
                while pieceEnd < bytes.count && bytes[pieceEnd] != UInt8(ascii: "&") { pieceEnd += 1 }
                if pieceEnd > pieceStart {
                    let piece = UnsafeBufferPointer(rebasing: bytes[pieceStart..<pieceEnd])
                    let equals = piece.firstIndex(of: UInt8(ascii: "=")) ?? piece.count
                    let name = UnsafeBufferPointer(rebasing: piece[0..<equals])
                    let value = UnsafeBufferPointer(rebasing: piece[min(equals + 1, piece.count)...])
                    guard let decodedName = PercentEncoding.decode(bytes: name, plusAsSpace: plusAsSpace),
                          let decodedValue = PercentEncoding.decode(bytes: value, plusAsSpace: plusAsSpace) else {
                        return .failure(.malformedEscape(String(decoding: piece, as: UTF8.self)))
                    }
                    parameters.append(QueryParameter(decodedName, decodedValue))
                }
                pieceStart = pieceEnd + 1
            }
            if let duplicate = firstDuplicateName(parameters) { return .failure(.duplicateName(duplicate)) }
            return .success(parameters)
        }
        return try result.get()
    }

    /// Returns the first name that repeats an earlier one. Pairwise comparison for the dozen or
    /// so parameters of a request, which is cheaper than hashing them into a set.
    private static func firstDuplicateName(_ parameters: [QueryParameter]) -> String? {
        if parameters.count > 32 {
            var seen = Set<String>()
            return parameters.first { !seen.insert($0.name).inserted }?.name
        }
        for later in parameters.indices {
            for earlier in 0..<later where parameters[earlier].name == parameters[later].name {
                return parameters[later].name
            }
        }
        return nil
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

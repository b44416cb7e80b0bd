import Foundation

/// An absolute http or https URL split into the pieces a SigV2 string to sign needs.
///
/// The split is done by hand rather than with `URLComponents` so that the query stays exactly
/// as received (the signature covers the decoded values, and Foundation's parsers normalise
/// or reject some of what browsers send).
struct URLParts: Equatable {
    /// Lower-cased `http` or `https`.
    var scheme: String
    /// Lower-cased host without brackets, for example `127.0.0.1`, `::1` or `shop.example.com`.
    var host: String
    var port: Int?
    /// The percent-decoded path; empty when the URL has none.
    var path: String
    /// The path exactly as written in the URL, still percent-encoded.
    var rawPath: String = ""
    /// The raw query after `?` and before any `#`, still percent-encoded; nil without `?`.
    var rawQuery: Substring?

    enum ParseError: Error, Equatable {
        case missingScheme
        case unsupportedScheme(String)
        case missingHost
        case userInfo
        case invalidPort(String)
        case invalidPathEscape
    }

    var defaultPort: Int { scheme == "https" ? 443 : 80 }

    /// The host as it appears in a `Host` header and a SigV2 host line: lower-case, IPv6 in
    /// brackets, and `:port` only when the port is not the scheme's default.
    var hostLine: String {
        // A byte search: Foundation's String.contains(String) costs more than the rest of this property.
        let bracketed = host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        guard let port, port != defaultPort else { return bracketed }
        return "\(bracketed):\(port)"
    }

    /// Finds the first `://` in `text` by bytes, because Foundation's `range(of:)` costs more
    /// than the rest of the parse, and signing and verification parse on every call.
    private static func schemeSeparator(in text: String) -> Range<String.Index>? {
        let bytes = text.utf8
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if bytes[index] == UInt8(ascii: ":") {
                let first = bytes.index(after: index)
                if first != bytes.endIndex, bytes[first] == UInt8(ascii: "/") {
                    let second = bytes.index(after: first)
                    if second != bytes.endIndex, bytes[second] == UInt8(ascii: "/") {
                        return index..<bytes.index(after: second)
                    }
                }
            }
            index = bytes.index(after: index)
        }
        return nil
    }

    static func parse(_ text: String) -> Result<URLParts, ParseError> {
        guard let schemeEnd = schemeSeparator(in: text) else { return .failure(.missingScheme) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return .failure(.unsupportedScheme(String(scheme))) }

        var rest = text[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var rawQuery: Substring?
        if let question = rest.firstIndex(of: "?") {
            rawQuery = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let rawPath = rest[authorityEnd...]
        if authority.contains("@") { return .failure(.userInfo) }

        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(.missingHost) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(.missingHost) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return .failure(.missingHost) }

        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let value = Int(portText), (1...65535).contains(value) else {
                return .failure(.invalidPort(String(portText)))
            }
            port = value
        }
        guard let path = PercentEncoding.decode(rawPath, plusAsSpace: false) else { return .failure(.invalidPathEscape) }
        return .success(URLParts(scheme: scheme, host: host.lowercased(), port: port, path: path, rawPath: String(rawPath), rawQuery: rawQuery))
    }
}

extension URL {
    /// The parts of an absolute http(s) URL, or nil for anything else.
    var fpsParts: URLParts? { try? URLParts.parse(absoluteString).get() }
}

import Foundation

/// A return URI as the CBUI sent the customer back: the merchant's `returnURL` with the
/// pipeline's parameters appended. Values are percent-decoded; the order is kept as received.
public struct ReturnURI: Sendable, Equatable {
    /// Lower-cased `http` or `https`.
    public var scheme: String
    /// Lower-cased host, IPv6 addresses without brackets.
    public var host: String
    public var port: Int?
    /// The percent-decoded path, `/` when the URI has none.
    public var path: String
    public var parameters: [QueryParameter]

    public init(scheme: String, host: String, port: Int?, path: String, parameters: [QueryParameter]) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.parameters = parameters
    }

    /// Returns the decoded value of the parameter `name`, an empty string for a bare `name` or `name=`.
    public func value(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    public var rawStatus: String? { value("status") }
    public var status: CBUIStatus? { rawStatus.flatMap(CBUIStatus.init(rawValue:)) }
    /// The sender token id; the parameter is spelled `tokenID`, with a capital D.
    public var tokenID: String? { value("tokenID") }
    public var callerReference: String? { value("callerReference") }
    /// The `certificateUrl` parameter: where the certificate that made `signature` lives.
    public var certificateURL: String? { value("certificateUrl") }
    public var signature: String? { value("signature") }
    public var signatureMethod: String? { value("signatureMethod") }
    public var signatureVersion: String? { value("signatureVersion") }
    /// `MM/YYYY` expiry of the customer's payment instrument, not of the token.
    public var expiry: String? { value("expiry") }
    public var errorMessage: String? { value("errorMessage") }

    /// The SigV2 host line: the host, with `:port` when the port is not the scheme's default.
    public var hostLine: String {
        URLParts(scheme: scheme, host: host, port: port, path: path, rawQuery: nil).hostLine
    }

    /// Parses a return URI pasted by a clerk or received by a web handler.
    ///
    /// Only the outside of the text is cleaned: surrounding whitespace and line breaks,
    /// leftover bracketed-paste markers (`ESC[200~`, `ESC[201~`, or the same without the
    /// escape byte when a terminal ate it) and one enclosing pair of `<>` or quotes. Nothing
    /// inside the URI is changed, so the signed values stay exactly as they arrived.
    public static func parse(_ text: String) throws(ReturnRefusal) -> ReturnURI {
        let cleaned = stripPasteDecoration(text)
        if cleaned.isEmpty {
            throw ReturnRefusal(.malformed, "The pasted return URI is empty. Copy the whole address from the customer's browser and paste it again.")
        }

        let parts: URLParts
        switch URLParts.parse(cleaned) {
        case .success(let value):
            parts = value
        case .failure(let error):
            throw ReturnRefusal(.malformed, describe(error, in: cleaned))
        }

        guard let rawQuery = parts.rawQuery, !rawQuery.isEmpty else {
            throw ReturnRefusal(.malformed, "The return URI \"\(preview(cleaned))\" has no query string, so it carries no status or signature. Copy the whole address, including everything after the \"?\".")
        }
        let parameters: [QueryParameter]
        do {
            parameters = try QueryString.parse(rawQuery)
        } catch {
            throw ReturnRefusal(.malformed, "The return URI could not be read: \(error.description)")
        }
        return ReturnURI(scheme: parts.scheme, host: parts.host, port: parts.port,
                         path: parts.path.isEmpty ? "/" : parts.path, parameters: parameters)
    }

    static func stripPasteDecoration(_ text: String) -> String {
        let markers = ["\u{1B}[200~", "\u{1B}[201~", "[200~", "[201~"]
        var current = Substring(text)
        var changed = true
        while changed {
            changed = false
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.count != current.count {
                current = Substring(trimmed)
                changed = true
            }
            for marker in markers {
                if current.hasPrefix(marker) {
                    current = current.dropFirst(marker.count)
                    changed = true
                }
                if current.hasSuffix(marker) {
                    current = current.dropLast(marker.count)
                    changed = true
                }
            }
            for (open, close) in [("<", ">"), ("\"", "\""), ("'", "'")] where current.count >= 2 {
                if current.hasPrefix(open) && current.hasSuffix(close) {
                    current = current.dropFirst().dropLast()
                    changed = true
                }
            }
        }
        return String(current)
    }

    /// Shortens the text to 60 characters, enough to recognise the URI without printing its signature.
    static func preview(_ text: String) -> String {
        text.count <= 60 ? text : "\(text.prefix(60))…"
    }

    private static func describe(_ error: URLParts.ParseError, in text: String) -> String {
        let shown = preview(text)
        switch error {
        case .missingScheme:
            return "\"\(shown)\" is not a full URL: it does not start with http:// or https://. Copy the whole address from the customer's browser."
        case .unsupportedScheme(let scheme):
            return "The return URI uses the scheme \"\(scheme)\"; only http and https are possible. Copy the address from the browser's address bar."
        case .missingHost:
            return "The return URI \"\(shown)\" has no host name. Copy the whole address from the customer's browser."
        case .userInfo:
            return "The return URI \"\(shown)\" contains a user name before the host, which a payment return never has. Ask the customer to authorize again."
        case .invalidPort(let port):
            return "The return URI has the invalid port \"\(port)\". Copy the whole address again."
        case .invalidPathEscape:
            return "The path of the return URI \"\(shown)\" has an invalid percent escape. Copy the whole address again."
        }
    }
}

/// A token the customer authorized, taken from a return URI that passed every check.
public struct Authorization: Sendable, Equatable {
    public let tokenID: String
    public let status: CBUIStatus
    public let callerReference: String
    /// `MM/YYYY` expiry of the payment instrument, when the CBUI sent one.
    public let expiry: String?

    public init(tokenID: String, status: CBUIStatus, callerReference: String, expiry: String?) {
        self.tokenID = tokenID
        self.status = status
        self.callerReference = callerReference
        self.expiry = expiry
    }
}

/// The reason a return URI was rejected, with a message a clerk can act on.
public struct ReturnRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case malformed, signatureInvalid, couldNotVerify, failureStatus, callerReferenceMismatch, missingToken, cardRequired, certificateNotAllowed
    }

    public let kind: Kind
    /// A plain sentence naming the value and the next step. It never contains a full
    /// signature or token.
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    init(_ kind: Kind, _ message: String) {
        self.init(kind: kind, message: message)
    }

    public var description: String { message }
}

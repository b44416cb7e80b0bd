import FPSClient
import Foundation

/// A failure to play the customer on the sandbox, with a sentence a clerk can act on.
public struct SandboxCustomerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Plays the customer's part against the local sandbox: opens the CBUI page, approves it and
/// returns the address the browser would be sent to, which is the return URI to paste.
///
/// It only talks to loopback hosts, because on a real payment service the customer must
/// authorize in their own browser.
public enum SandboxCustomer {
    /// Approves the payment at `cbuiURL` with `method` (`CC`, `ACH` or `ABT`) and returns the
    /// return URI from the sandbox's redirect.
    ///
    /// `transport` must not follow redirects (`URLSessionTransport` does not), because the
    /// return URL is a merchant page that nothing serves.
    public static func approve(cbuiURL: String, transport: any HTTPTransport, method: String = "CC") async throws -> String {
        guard let pageURL = URL(string: cbuiURL), let host = pageURL.host, pageURL.scheme == "http" || pageURL.scheme == "https" else {
            throw SandboxCustomerError(message: "The CBUI URL is not an absolute http(s) URL. Build the URL again.")
        }
        guard isLoopback(host) else {
            throw SandboxCustomerError(message: "Playing the customer works only with the local sandbox, and the CBUI URL points to \(host). Give the URL to the customer instead.")
        }

        let page = try await fetch(HTTPRequest(method: "GET", url: pageURL, headers: [:], body: nil), transport: transport)
        if (300...399).contains(page.status), let location = locationHeader(of: page) {
            // The sandbox rejects a URL it cannot show by sending the browser straight back
            // with status=CE and the reason in errorMessage.
            throw rejection(returnedTo: location, httpStatus: page.status)
        }
        guard page.status == 200 else {
            throw SandboxCustomerError(message: "The sandbox payment page returned HTTP \(page.status)\(pageTitle(page.body).map { ": \($0)" } ?? ""). Build a new URL and try again.")
        }
        let form = try ApprovalForm(html: String(decoding: page.body, as: UTF8.self), method: method)
        guard let actionURL = URL(string: form.action, relativeTo: pageURL)?.absoluteURL else {
            throw SandboxCustomerError(message: "The sandbox payment page's form has an invalid action \"\(form.action)\".")
        }

        let body = form.fields.map { "\(PercentEncoding.encode($0.name))=\(PercentEncoding.encode($0.value))" }.joined(separator: "&")
        let decision = try await fetch(HTTPRequest(method: "POST", url: actionURL,
                                                   headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                   body: Data(body.utf8)), transport: transport)
        let location = locationHeader(of: decision)
        guard (300...399).contains(decision.status), let location else {
            throw SandboxCustomerError(message: "The sandbox did not redirect after approval (HTTP \(decision.status)\(pageTitle(decision.body).map { ": \($0)" } ?? "")). Build a new URL and try again.")
        }
        return location
    }

    private static func fetch(_ request: HTTPRequest, transport: any HTTPTransport) async throws -> HTTPResponse {
        switch await capture({ () async throws(FPSError) in try await transport.send(request) }) {
        case .success(let response): return response
        case .failure(let error): throw SandboxCustomerError(message: "The sandbox could not be reached: \(error.description)")
        }
    }

    private static func locationHeader(of response: HTTPResponse) -> String? {
        let value = response.headers.first { $0.key.caseInsensitiveCompare("Location") == .orderedSame }?.value
        return value?.isEmpty == false ? value : nil
    }

    /// Builds the error for a payment page that redirected at once instead of showing the
    /// approval form. Only the redirect's `status` and `errorMessage` parameters are shown,
    /// never the whole address, because it may carry a token and a signature.
    static func rejection(returnedTo location: String, httpStatus: Int) -> SandboxCustomerError {
        let items = URLComponents(string: location)?.queryItems ?? []
        let status = items.first { $0.name == "status" }?.value.map(plainText) ?? ""
        let reason = items.first { $0.name == "errorMessage" }?.value.map(plainText) ?? ""
        if reason.contains("already has an authorized token") {
            return SandboxCustomerError(message: "The sandbox already authorized this URL; paste its return URI, or build a new URL.")
        }
        if reason.isEmpty {
            let statusPart = status.isEmpty ? "" : " with status \(status)"
            return SandboxCustomerError(message: "The sandbox payment page redirected (HTTP \(httpStatus))\(statusPart) without showing the approval form. Build a new URL and try again.")
        }
        let statusPart = status.isEmpty ? "" : " (status \(status))"
        return SandboxCustomerError(message: "The sandbox rejected the URL\(statusPart): \(reason) Build a new URL and try again.")
    }

    /// Returns `text` without control characters and cut to 200 characters, so a redirect
    /// parameter cannot break the one-line notice it is shown in.
    private static func plainText(_ text: String) -> String {
        let printable = String(text.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init))
        let trimmed = printable.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 200 ? String(trimmed.prefix(199)) + "…" : trimmed
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    private static func pageTitle(_ body: Data) -> String? {
        let html = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        guard let start = html.range(of: "<h1>"), let end = html.range(of: "</h1>", range: start.upperBound..<html.endIndex) else {
            return nil
        }
        return HTMLText.unescape(String(html[start.upperBound..<end.lowerBound]))
    }
}

/// The fields the sandbox's approval form submits when the Approve button is pressed.
struct ApprovalForm {
    var action: String
    var fields: [(name: String, value: String)]

    /// Reads the first form: its hidden inputs, the payment-method radio matching `method`,
    /// the other radio groups' checked choices, and the button whose value is `approve`.
    init(html: String, method: String) throws {
        guard let formStart = html.range(of: "<form"), let formEnd = html.range(of: "</form>", range: formStart.upperBound..<html.endIndex) else {
            throw SandboxCustomerError(message: "The sandbox payment page has no form. Build a new URL and try again.")
        }
        let form = String(html[formStart.lowerBound..<formEnd.lowerBound])
        let tags = HTMLText.tags(in: form)
        guard let formTag = tags.first, let action = formTag.attributes["action"] else {
            throw SandboxCustomerError(message: "The sandbox payment page's form has no action.")
        }
        self.action = action

        var fields: [(name: String, value: String)] = []
        var radioGroups: [String: [(value: String, checked: Bool)]] = [:]
        var radioOrder: [String] = []
        var approveButton: (name: String, value: String)?
        for tag in tags {
            guard let name = tag.attributes["name"] else { continue }
            let value = tag.attributes["value"] ?? ""
            switch (tag.name, tag.attributes["type"]?.lowercased()) {
            case ("input", "hidden"):
                fields.append((name, value))
            case ("input", "radio"):
                if radioGroups[name] == nil { radioOrder.append(name) }
                radioGroups[name, default: []].append((value, tag.attributes["checked"] != nil))
            case ("button", _) where value == "approve":
                approveButton = (name, value)
            default:
                continue
            }
        }
        for name in radioOrder {
            let options = radioGroups[name] ?? []
            if name == "paymentMethod" {
                guard options.contains(where: { $0.value == method }) else {
                    let offered = options.map(\.value).joined(separator: ", ")
                    throw SandboxCustomerError(message: "The sandbox payment page does not offer payment method \(method) (offered: \(offered.isEmpty ? "none" : offered)). Choose one of those, or build a URL in the other mode.")
                }
                fields.append((name, method))
            } else if let checked = options.first(where: { $0.checked }) {
                fields.append((name, checked.value))
            }
        }
        guard let approveButton else {
            throw SandboxCustomerError(message: "The sandbox payment page has no Approve button.")
        }
        fields.append(approveButton)
        self.fields = fields
    }
}

/// The small part of HTML the approval form needs: start tags with quoted attributes, and
/// the five entities the sandbox escapes.
enum HTMLText {
    struct Tag {
        var name: String
        var attributes: [String: String]
    }

    /// Start tags of `html` in document order. Attribute values must be double-quoted, as the
    /// sandbox writes them; a bare attribute such as `checked` gets an empty value.
    static func tags(in html: String) -> [Tag] {
        var tags: [Tag] = []
        var rest = html[...]
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let inside = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            guard let first = inside.first, first.isLetter else { continue }
            let nameEnd = inside.firstIndex { $0.isWhitespace || $0 == "/" } ?? inside.endIndex
            tags.append(Tag(name: inside[..<nameEnd].lowercased(), attributes: attributes(inside[nameEnd...])))
        }
        return tags
    }

    private static func attributes(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = text
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == "/" }
            guard !rest.isEmpty else { break }
            let nameEnd = rest.firstIndex { $0.isWhitespace || $0 == "=" || $0 == "/" } ?? rest.endIndex
            let name = rest[..<nameEnd].lowercased()
            rest = rest[nameEnd...]
            guard rest.first == "=" else {
                result[name] = ""
                continue
            }
            rest = rest.dropFirst()
            guard rest.first == "\"" else {
                let valueEnd = rest.firstIndex { $0.isWhitespace } ?? rest.endIndex
                result[name] = unescape(String(rest[..<valueEnd]))
                rest = rest[valueEnd...]
                continue
            }
            rest = rest.dropFirst()
            let valueEnd = rest.firstIndex(of: "\"") ?? rest.endIndex
            result[name] = unescape(String(rest[..<valueEnd]))
            rest = valueEnd < rest.endIndex ? rest[rest.index(after: valueEnd)...] : rest[valueEnd...]
        }
        return result
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

import FPSClient
import Foundation

/// Prints every HTTP request and response to stderr for `--trace`, then passes them on unchanged.
///
/// Request lines are prefixed `> ` and response lines `< `, as curl does. Signatures, token
/// ids and `HttpParameters` are shortened with `Redaction.secret`, and any occurrence of the
/// secret key, plain or percent-encoded, is replaced, although a correct request never carries it.
struct TracingTransport: HTTPTransport {
    let base: any HTTPTransport
    let secretKey: String
    /// Bodies longer than this are cut in the trace; the request and response stay whole.
    static let maximumBodyBytes = 16 * 1024

    func send(_ request: HTTPRequest) async throws(FPSError) -> HTTPResponse {
        write(describe(request))
        let start = ContinuousClock.now
        do {
            let response = try await base.send(request)
            write(describe(response, milliseconds: Self.milliseconds(since: start)))
            return response
        } catch {
            write("< no response after \(Self.milliseconds(since: start)) ms: \(error.description)")
            throw error
        }
    }

    private func describe(_ request: HTTPRequest) -> String {
        var lines = ["> \(request.method) \(TraceRedaction.url(request.url))"]
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
            lines.append("> \(name): \(value)")
        }
        if let body = request.body {
            lines.append(">")
            lines.append("> " + bodyText(body, redact: TraceRedaction.query))
        }
        return lines.joined(separator: "\n")
    }

    private func describe(_ response: HTTPResponse, milliseconds: Int) -> String {
        var lines = ["< HTTP \(response.status) in \(milliseconds) ms"]
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
            let shown = name.caseInsensitiveCompare("Location") == .orderedSame ? TraceRedaction.urlText(value) : value
            lines.append("< \(name): \(shown)")
        }
        lines.append("<")
        let body = bodyText(response.body, redact: TraceRedaction.xml)
        let trimmed = body.hasSuffix("\n") ? String(body.dropLast()) : body
        lines += trimmed.split(separator: "\n", omittingEmptySubsequences: false).map { "< \($0)" }
        return lines.joined(separator: "\n")
    }

    private func bodyText(_ body: Data, redact: (String) -> String) -> String {
        guard let text = String(data: body.prefix(Self.maximumBodyBytes), encoding: .utf8) else {
            return "(\(body.count) bytes, not UTF-8 text)"
        }
        let cut = body.count > Self.maximumBodyBytes ? " … (\(body.count - Self.maximumBodyBytes) more bytes not shown)" : ""
        return redact(text) + cut
    }

    private func write(_ text: String) {
        var scrubbed = text
        if !secretKey.isEmpty {
            for form in [secretKey, PercentEncoding.encode(secretKey)] {
                scrubbed = scrubbed.replacingOccurrences(of: form, with: "[secret key]")
            }
        }
        FileHandle.standardError.write(Data((scrubbed + "\n").utf8))
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Shortens secrets in traced URLs, form bodies and XML while keeping everything else as sent.
enum TraceRedaction {
    /// Parameter names whose values are shortened: API and CBUI signatures and token ids.
    static let secretParameters: Set<String> = ["Signature", "signature", "SenderTokenId", "RecipientTokenId", "TokenId", "tokenID"]
    /// Parameters that carry a whole query of their own, which is redacted in turn.
    static let nestedQueryParameters: Set<String> = ["HttpParameters"]
    static let secretElements = ["TokenId", "SenderTokenId", "RecipientTokenId"]

    static func url(_ url: URL) -> String {
        urlText(url.absoluteString)
    }

    static func urlText(_ text: String) -> String {
        guard let question = text.firstIndex(of: "?") else { return text }
        return String(text[...question]) + query(String(text[text.index(after: question)...]))
    }

    /// Redacts a raw `name=value&…` query or form body piece by piece, leaving the other
    /// pieces exactly as encoded. A shortened value is shown decoded, as `abcd…[44 chars]`.
    static func query(_ raw: String) -> String {
        raw.split(separator: "&", omittingEmptySubsequences: false).map { piece -> String in
            guard let equals = piece.firstIndex(of: "=") else { return String(piece) }
            let name = PercentEncoding.decode(piece[..<equals], plusAsSpace: true) ?? String(piece[..<equals])
            let rawValue = piece[piece.index(after: equals)...]
            let value = PercentEncoding.decode(rawValue, plusAsSpace: true) ?? String(rawValue)
            if secretParameters.contains(name) {
                return "\(piece[..<equals])=\(Redaction.secret(value))"
            }
            if nestedQueryParameters.contains(name) {
                return "\(piece[..<equals])=[\(query(value))]"
            }
            return String(piece)
        }.joined(separator: "&")
    }

    /// Shortens the text of token-id elements in an XML document.
    static func xml(_ text: String) -> String {
        var result = text
        for element in secretElements {
            let open = "<\(element)>"
            let close = "</\(element)>"
            var output = ""
            var rest = result[...]
            while let openRange = rest.range(of: open), let closeRange = rest.range(of: close, range: openRange.upperBound..<rest.endIndex) {
                output += rest[..<openRange.upperBound]
                output += Redaction.secret(String(rest[openRange.upperBound..<closeRange.lowerBound]))
                output += close
                rest = rest[closeRange.upperBound...]
            }
            result = output + rest
        }
        return result
    }
}

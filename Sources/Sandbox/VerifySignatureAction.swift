import Foundation
import FPSClient

/// VerifySignature: checks a return redirect or IPN that this sandbox signed.
extension APIService {
    /// Verifies the RSA-SHA1 signature in `HttpParameters` (the raw query or POST body as the
    /// merchant received it) for the URL `UrlEndPoint`, with the sandbox's own signing key.
    ///
    /// The request names no HTTP method, so a signature made over either `GET` (returns) or
    /// `POST` (IPNs) passes. Both outcomes return HTTP 200 with `VerificationStatus`
    /// `Success` or `Failure`, and only unreadable input is an error.
    func verifyOutboundSignature(_ request: APIRequest) throws(APIError) -> [ResultField] {
        let endpoint = try request.required("UrlEndPoint")
        let raw = try request.required("HttpParameters")
        let target = try Self.verificationTarget(endpoint)

        let parameters: [QueryParameter]
        do {
            parameters = try QueryString.parse(raw[...])
        } catch {
            throw .invalidParams("HttpParameters cannot be read as a query string: \(error.description)")
        }
        var values: [String: String] = [:]
        for parameter in parameters { values[parameter.name] = parameter.value }
        // The first message copies the one FPS sent, captured in a client library's test fixtures.
        guard let certificateURL = values["certificateUrl"], !certificateURL.isEmpty else {
            throw .invalidParams("certificateUrl is missing in 'HttpParameters'.")
        }
        guard let signatureText = values["signature"], !signatureText.isEmpty else {
            throw .invalidParams("signature is missing in 'HttpParameters'.")
        }

        var verified = false
        if values["signatureVersion"] == "2", values["signatureMethod"] == "RSA-SHA1",
           let signature = Self.decodeSignature(signatureText) {
            for verb in ["GET", "POST"] {
                let message = SignatureV2.stringToSign(verb: verb, hostLine: target.hostLine, path: target.path,
                                                       parameters: parameters, excluding: "signature")
                if identity.verifyRSASHA1(message, signature: signature) { verified = true }
            }
        }
        return [ResultField("VerificationStatus", verified ? "Success" : "Failure")]
    }

    /// Splits `UrlEndPoint` into the host line and path the signature covers: the lower-case
    /// host with `:port` unless the port is absent, 80 or 443, as the return signer writes it.
    private static func verificationTarget(_ endpoint: String) throws(APIError) -> (hostLine: String, path: String) {
        guard let components = URLComponents(string: endpoint),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else {
            throw .invalidParams("UrlEndPoint \(APIRequest.quoted(endpoint)) is not an absolute http or https URL.")
        }
        if components.percentEncodedQuery != nil || components.fragment != nil {
            throw .invalidParams("UrlEndPoint \(APIRequest.quoted(endpoint)) must not contain a query or fragment; send the parameters in HttpParameters.")
        }
        var hostLine = host.lowercased()
        if let port = components.port, port != 80, port != 443 { hostLine += ":\(port)" }
        return (hostLine, components.path.isEmpty ? "/" : components.path)
    }

    /// Decodes the base64 signature. Line breaks are dropped because FPS's own sandbox signatures
    /// contained them, and a space is read as `+` because form decoding turns an unescaped `+`
    /// into a space, while base64 never contains one.
    private static func decodeSignature(_ text: String) -> [UInt8]? {
        let cleaned = String(text.compactMap { character -> Character? in
            if character == " " { return "+" }
            return character.isNewline || character == "\t" ? nil : character
        })
        return Data(base64Encoded: cleaned).map { [UInt8]($0) }
    }
}

import CCrypto
import Foundation

/// The HMAC algorithms Signature Version 2 allows, named as they travel on the wire.
public enum SignatureMethod: String, Sendable, CaseIterable {
    case hmacSHA256 = "HmacSHA256"
    case hmacSHA1 = "HmacSHA1"
}

/// AWS Signature Version 2, shared by FPS API requests and CBUI pipeline URLs.
///
/// String to sign: verb, lower-cased host line, encoded path and canonical query, joined by
/// single LF bytes with no trailing newline. The canonical query holds every parameter but
/// the signature, sorted by the UTF-8 bytes of the name, each name and value encoded with
/// `PercentEncoding`, and `=` kept for empty values.
public enum SignatureV2 {
    /// Builds the canonical query from decoded parameters, leaving out `excluding`.
    public static func canonicalQuery(_ parameters: [QueryParameter], excluding: String) -> String {
        let sorted = parameters
            .filter { $0.name != excluding }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return QueryString.encode(sorted)
    }

    /// Encodes each path segment and keeps the `/` separators; an empty path becomes `/`.
    public static func canonicalPath(_ path: String) -> String {
        if path.isEmpty { return "/" }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { PercentEncoding.encode(String($0)) }
            .joined(separator: "/")
    }

    /// Builds the string to sign for `verb`, `hostLine` (with `:port` when the signer includes it)
    /// and the decoded path.
    public static func stringToSign(
        verb: String, hostLine: String, path: String,
        parameters: [QueryParameter], excluding: String
    ) -> String {
        let query = canonicalQuery(parameters, excluding: excluding)
        return verb.uppercased() + "\n" + hostLine.lowercased() + "\n" + canonicalPath(path) + "\n" + query
    }

    /// Returns the base64 HMAC of `message` under the UTF-8 bytes of `secretKey`.
    public static func sign(_ message: String, secretKey: String, method: SignatureMethod) -> String {
        let digest = hmac(message: Array(message.utf8), key: Array(secretKey.utf8), method: method)
        return Data(digest).base64EncodedString()
    }

    /// Compares two signatures in time independent of where they first differ.
    public static func constantTimeEquals(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8)
        let b = Array(right.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func hmac(message: [UInt8], key: [UInt8], method: SignatureMethod) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let digest = method == .hmacSHA256 ? EVP_sha256() : EVP_sha1()
        _ = key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                HMAC(digest, keyBuffer.baseAddress, Int32(keyBuffer.count),
                     messageBuffer.baseAddress, messageBuffer.count, &output, &length)
            }
        }
        return Array(output.prefix(Int(length)))
    }
}

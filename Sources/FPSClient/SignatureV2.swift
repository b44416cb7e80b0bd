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
/// single LF bytes with no trailing newline. The canonical query contains every parameter but
/// the signature, sorted by the UTF-8 bytes of the name, each name and value encoded with
/// `PercentEncoding`, and `=` kept for empty values.
public enum SignatureV2 {
    /// Builds the canonical query from decoded parameters, leaving out `excluding`.
    public static func canonicalQuery(_ parameters: [QueryParameter], excluding: String) -> String {
        StringToSignBuffer.with(verb: "", hostLine: "", path: "/", parameters, excluding: excluding) { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer.message[buffer.queryStart...]), as: UTF8.self)
        }
    }

    /// Encodes each path segment and keeps the `/` separators; an empty path becomes `/`.
    public static func canonicalPath(_ path: String) -> String {
        if path.isEmpty { return "/" }
        // A path of unreserved bytes and `/` encodes to itself, which is the usual case.
        var probe = path
        if probe.withUTF8({ $0.allSatisfy { $0 == UInt8(ascii: "/") || PercentEncoding.isUnreserved($0) } }) { return path }
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
        StringToSignBuffer.with(verb: verb.uppercased(), hostLine: hostLine, path: path, parameters, excluding: excluding) { buffer in
            String(decoding: buffer.message, as: UTF8.self)
        }
    }

    /// Returns the base64 HMAC of `message` under the UTF-8 bytes of `secretKey`.
    public static func sign(_ message: String, secretKey: String, method: SignatureMethod) -> String {
        var message = message
        return message.withUTF8 { bytes in
            withSignature(of: bytes, secretKey: secretKey, method: method) { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Returns the base64 HMAC of the string to sign that `stringToSign` builds from the same
    /// inputs, without building that string as a String.
    public static func signature(
        verb: String, hostLine: String, path: String, parameters: [QueryParameter], excluding: String,
        secretKey: String, method: SignatureMethod
    ) -> String {
        StringToSignBuffer.with(verb: verb.uppercased(), hostLine: hostLine, path: path, parameters, excluding: excluding) { buffer in
            withSignature(of: buffer.message, secretKey: secretKey, method: method) { String(decoding: $0, as: UTF8.self) }
        }
    }

    // MARK: - Signature bytes

    /// A computed literal rather than a stored table, so reading it needs no lazy initialisation.
    private static var base64Alphabet: StaticString { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }

    /// Computes the HMAC of `message` under the UTF-8 bytes of `secretKey` through a reused
    /// libcrypto context, and calls `body` with its base64 form as ASCII bytes.
    static func withSignature<Result>(of message: UnsafeBufferPointer<UInt8>, secretKey: String, method: SignatureMethod,
                                      _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { digest in
            let length = HMACContextPool.shared.authenticate(message, secretKey: secretKey, method: method, digest: digest.baseAddress!)
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: (Int(EVP_MAX_MD_SIZE) + 2) / 3 * 4) { encoded in
                let count = base64(UnsafeBufferPointer(rebasing: digest[0..<length]), into: encoded.baseAddress!)
                return body(UnsafeBufferPointer(rebasing: encoded[0..<count]))
            }
        }
    }

    /// Standard base64 with `=` padding and no line breaks, as `Data.base64EncodedString()`
    /// gives. Writes `(bytes.count + 2) / 3 * 4` bytes to `output` and returns that count.
    static func base64(_ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Int {
        let alphabet = base64Alphabet.utf8Start
        var index = 0
        var position = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output[position] = alphabet[Int(chunk >> 18 & 63)]
            output[position + 1] = alphabet[Int(chunk >> 12 & 63)]
            output[position + 2] = alphabet[Int(chunk >> 6 & 63)]
            output[position + 3] = alphabet[Int(chunk & 63)]
            index += 3
            position += 4
        }
        let rest = bytes.count - index
        if rest > 0 {
            let chunk = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            output[position] = alphabet[Int(chunk >> 18 & 63)]
            output[position + 1] = alphabet[Int(chunk >> 12 & 63)]
            output[position + 2] = rest == 2 ? alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "=")
            output[position + 3] = UInt8(ascii: "=")
            position += 4
        }
        return position
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
}

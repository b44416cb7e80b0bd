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
        var output: [UInt8] = []
        appendQuery(signingOrder(parameters, excluding: excluding), to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Encodes each path segment and keeps the `/` separators; an empty path becomes `/`.
    public static func canonicalPath(_ path: String) -> String {
        if path.isEmpty { return "/" }
        // A path of unreserved bytes and `/` encodes to itself, which is the usual case.
        if path.utf8.allSatisfy({ $0 == UInt8(ascii: "/") || PercentEncoding.isUnreserved($0) }) { return path }
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
        var output: [UInt8] = []
        appendStringToSign(verb: verb.uppercased(), hostLine: hostLine, path: path,
                           ordered: signingOrder(parameters, excluding: excluding), to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Returns the base64 HMAC of `message` under the UTF-8 bytes of `secretKey`.
    public static func sign(_ message: String, secretKey: String, method: SignatureMethod) -> String {
        String(decoding: signatureBytes(Array(message.utf8), secretKey: secretKey, method: method), as: UTF8.self)
    }

    // MARK: - Byte-level assembly
    //
    // Signing is string assembly around one HMAC. Building the pieces as bytes in one buffer,
    // and hashing that buffer directly, avoids the intermediate Strings and copies that
    // otherwise cost several times the HMAC itself.

    /// Returns every parameter but `excluding`, sorted by the UTF-8 bytes of the name.
    static func signingOrder(_ parameters: [QueryParameter], excluding: String) -> [QueryParameter] {
        var kept = parameters.filter { $0.name != excluding }
        kept.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return kept
    }

    /// Appends `name=value` pairs joined by `&`, each side SigV2-encoded, in the given order.
    static func appendQuery(_ ordered: [QueryParameter], to output: inout [UInt8]) {
        for (index, parameter) in ordered.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            PercentEncoding.appendEncoded(parameter.name, to: &output)
            output.append(UInt8(ascii: "="))
            PercentEncoding.appendEncoded(parameter.value, to: &output)
        }
    }

    /// Appends the string to sign: `verb` as given, the lower-cased host line, the encoded path
    /// and the canonical query of `ordered`, joined by LF. Returns the offset where the query starts.
    @discardableResult
    static func appendStringToSign(verb: String, hostLine: String, path: String, ordered: [QueryParameter],
                                   to output: inout [UInt8]) -> Int {
        output.append(contentsOf: verb.utf8)
        output.append(UInt8(ascii: "\n"))
        if hostLine.utf8.allSatisfy({ $0 < 0x80 }) {
            for byte in hostLine.utf8 {
                output.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
            }
        } else {
            output.append(contentsOf: hostLine.lowercased().utf8)
        }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: canonicalPath(path).utf8)
        output.append(UInt8(ascii: "\n"))
        let queryStart = output.count
        appendQuery(ordered, to: &output)
        return queryStart
    }

    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Returns the base64 HMAC of `message` under the UTF-8 bytes of `secretKey`, as ASCII bytes.
    static func signatureBytes(_ message: [UInt8], secretKey: String, method: SignatureMethod) -> [UInt8] {
        var key = secretKey
        return key.withUTF8 { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { digest in
                    var length: UInt32 = 0
                    let algorithm = method == .hmacSHA256 ? EVP_sha256() : EVP_sha1()
                    HMAC(algorithm, keyBuffer.baseAddress, Int32(keyBuffer.count),
                         messageBuffer.baseAddress, messageBuffer.count, digest.baseAddress, &length)
                    return base64(UnsafeBufferPointer(rebasing: digest[0..<Int(length)]))
                }
            }
        }
    }

    /// Standard base64 with `=` padding and no line breaks, as `Data.base64EncodedString()` gives.
    static func base64(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(base64Alphabet[Int(chunk >> 18 & 63)])
            output.append(base64Alphabet[Int(chunk >> 12 & 63)])
            output.append(base64Alphabet[Int(chunk >> 6 & 63)])
            output.append(base64Alphabet[Int(chunk & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let chunk = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            output.append(base64Alphabet[Int(chunk >> 18 & 63)])
            output.append(base64Alphabet[Int(chunk >> 12 & 63)])
            output.append(rest == 2 ? base64Alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        }
        return output
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

import CCrypto
import Foundation

/// An OpenSSL call that failed, with the first message from OpenSSL's error queue.
struct CryptoError: Error, CustomStringConvertible {
    let operation: String
    let detail: String

    var description: String { "OpenSSL \(operation) failed: \(detail)" }

    static func fromQueue(_ operation: String) -> CryptoError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return CryptoError(operation: operation, detail: "no error detail") }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return CryptoError(operation: operation, detail: String(decoding: text, as: UTF8.self))
    }
}

/// Random identifiers from OpenSSL's CSPRNG.
enum SecureRandom {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    static func bytes(_ count: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&output, Int32(count)) == 1 else { throw CryptoError.fromQueue("RAND_bytes") }
        return output
    }

    /// Returns `length` characters drawn uniformly from `A-Z0-9`.
    static func alphanumeric(_ length: Int) throws -> String {
        var output: [UInt8] = []
        output.reserveCapacity(length)
        while output.count < length {
            // Bytes of 252 and above are dropped, because 252 = 7 × 36 keeps `byte % 36` uniform.
            for byte in try bytes(length * 2) where byte < 252 && output.count < length {
                output.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// The sandbox's RSA key pair and self-signed certificate that sign return redirects.
///
/// The PEMs are kept in the sandbox database, so returns signed before a restart still
/// verify against the served certificate afterwards.
final class SigningIdentity: @unchecked Sendable {
    let privateKeyPEM: String
    let certificatePEM: String
    /// The certificate directory in `/fps/certs/<directory>/PKICert.pem`: the key's creation date as `yyMMdd` (UTC).
    let directory: String

    // EVP_PKEY is read-only after loading; the lock keeps signing simple to reason about.
    private let key: OpaquePointer
    private let lock = NSLock()

    init(privateKeyPEM: String, certificatePEM: String, directory: String) throws {
        self.privateKeyPEM = privateKeyPEM
        self.certificatePEM = certificatePEM
        self.directory = directory
        let loaded: OpaquePointer? = try withMemoryBIO(privateKeyPEM) { bio in
            PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let loaded else { throw CryptoError.fromQueue("PEM_read_bio_PrivateKey") }
        self.key = loaded
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// Generates a 2048-bit RSA key and a self-signed SHA-256 certificate valid for ten years from `now`.
    static func generate(now: Date) throws -> SigningIdentity {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else {
            throw CryptoError.fromQueue("EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_set_rsa_keygen_bits(context, 2048) == 1,
              EVP_PKEY_generate(context, &generated) == 1,
              let key = generated
        else { throw CryptoError.fromQueue("RSA key generation") }
        defer { EVP_PKEY_free(key) }

        let certificatePEM = try makeCertificate(key: key, now: now)
        let privateKeyPEM = try pem { bio in PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil) }
        return try SigningIdentity(privateKeyPEM: privateKeyPEM, certificatePEM: certificatePEM,
                                   directory: directoryName(for: now))
    }

    /// Signs the UTF-8 bytes of `message` with RSASSA-PKCS1-v1_5 over SHA-1 and returns base64 without line breaks.
    func signRSASHA1(_ message: String) throws -> String {
        try lock.withLock {
            guard let context = EVP_MD_CTX_new() else { throw CryptoError.fromQueue("EVP_MD_CTX_new") }
            defer { EVP_MD_CTX_free(context) }
            // OpenSSL signs with RSA keys using PKCS#1 v1.5 padding unless a padding mode is set.
            guard EVP_DigestSignInit(context, nil, EVP_sha1(), nil, key) == 1 else {
                throw CryptoError.fromQueue("EVP_DigestSignInit")
            }
            let input = Array(message.utf8)
            var length = Int(EVP_PKEY_get_size(key))
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(context, &signature, &length, input, input.count) == 1 else {
                throw CryptoError.fromQueue("EVP_DigestSign")
            }
            return Data(signature.prefix(length)).base64EncodedString()
        }
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-1 signature over the UTF-8 bytes of `message` against this
    /// identity's public key. Returns false for a signature this key did not make.
    func verifyRSASHA1(_ message: String, signature: [UInt8]) -> Bool {
        lock.withLock {
            // A failed verification leaves entries in OpenSSL's per-thread error queue; clear them
            // so a later, unrelated OpenSSL call does not report them.
            defer { ERR_clear_error() }
            guard let context = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(context) }
            guard EVP_DigestVerifyInit(context, nil, EVP_sha1(), nil, key) == 1 else { return false }
            let input = Array(message.utf8)
            return EVP_DigestVerify(context, signature, signature.count, input, input.count) == 1
        }
    }

    static func directoryName(for date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%02d%02d%02d", (parts.year ?? 0) % 100, parts.month ?? 0, parts.day ?? 0)
    }

    private static func makeCertificate(key: OpaquePointer, now: Date) throws -> String {
        guard let certificate = X509_new() else { throw CryptoError.fromQueue("X509_new") }
        defer { X509_free(certificate) }

        let serial = try SecureRandom.bytes(4).reduce(0) { $0 << 8 | Int($1) } & 0x7FFF_FFFF
        var start = time_t(now.timeIntervalSince1970)
        guard X509_set_version(certificate, 2) == 1,
              ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial) == 1,
              X509_time_adj_ex(X509_getm_notBefore(certificate), 0, 0, &start) != nil,
              X509_time_adj_ex(X509_getm_notAfter(certificate), 3650, 0, &start) != nil,
              X509_set_pubkey(certificate, key) == 1
        else { throw CryptoError.fromQueue("X509 fields") }

        guard let name = X509_get_subject_name(certificate) else { throw CryptoError.fromQueue("X509_get_subject_name") }
        for (field, value) in [("O", "fps-checkout sandbox"), ("CN", "fps-checkout sandbox return signer")] {
            let bytes = Array(value.utf8)
            guard X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC, bytes, Int32(bytes.count), -1, 0) == 1 else {
                throw CryptoError.fromQueue("X509_NAME_add_entry_by_txt")
            }
        }
        guard X509_set_issuer_name(certificate, name) == 1,
              X509_sign(certificate, key, EVP_sha256()) > 0
        else { throw CryptoError.fromQueue("X509_sign") }
        return try pem { bio in PEM_write_bio_X509(bio, certificate) }
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.fromQueue("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw CryptoError.fromQueue("PEM write") }
        var data: UnsafeMutablePointer<CChar>?
        let length = fps_bio_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw CryptoError.fromQueue("BIO_get_mem_data") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }
}

/// Runs `body` with a read-only memory BIO over the UTF-8 bytes of `text`.
func withMemoryBIO<T>(_ text: String, _ body: (OpaquePointer) throws -> T) throws -> T {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBytes { buffer in
        guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
            throw CryptoError.fromQueue("BIO_new_mem_buf")
        }
        defer { BIO_free(bio) }
        return try body(bio)
    }
}

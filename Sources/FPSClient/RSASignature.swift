import CCrypto
import Foundation

/// RSASSA-PKCS1-v1_5 with SHA-1 verification through OpenSSL, the scheme FPS used to sign
/// return URIs and IPNs.
enum RSASHA1 {
    enum Outcome: Equatable {
        case valid
        case invalid
        /// The PEM could not be read as an X.509 certificate with a public key.
        case unreadableCertificate(String)
    }

    /// An RSA public key read from a certificate. OpenSSL allows one EVP_PKEY to serve several
    /// verifications at once as long as nothing changes it, and nothing here does.
    final class PublicKey: @unchecked Sendable {
        let key: OpaquePointer

        init(taking key: OpaquePointer) {
            self.key = key
        }

        deinit {
            EVP_PKEY_free(key)
        }
    }

    /// The reason a certificate gave no usable key, as the outcome a verification reports.
    struct Unreadable: Error, Sendable {
        let detail: String
        var outcome: Outcome { .unreadableCertificate(detail) }
    }

    static func verify(certificatePEM: Data, message: [UInt8], signature: [UInt8]) -> Outcome {
        switch publicKey(certificatePEM: certificatePEM) {
        case .success(let key): return verify(publicKey: key, message: message, signature: signature)
        case .failure(let unreadable): return unreadable.outcome
        }
    }

    /// Reads the public key of a PEM X.509 certificate.
    static func publicKey(certificatePEM: Data) -> Result<PublicKey, Unreadable> {
        defer { ERR_clear_error() }
        let certificate: OpaquePointer? = certificatePEM.withUnsafeBytes { buffer -> OpaquePointer? in
            guard let base = buffer.baseAddress, buffer.count <= Int(Int32.max) else { return nil }
            guard let bio = BIO_new_mem_buf(base, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_X509(bio, nil, nil, nil)
        }
        guard let certificate else { return .failure(Unreadable(detail: "it is not a PEM X.509 certificate")) }
        defer { X509_free(certificate) }
        guard let key = X509_get_pubkey(certificate) else {
            return .failure(Unreadable(detail: "it has no usable public key"))
        }
        return .success(PublicKey(taking: key))
    }

    static func verify(publicKey: PublicKey, message: [UInt8], signature: [UInt8]) -> Outcome {
        // OpenSSL keeps a per-thread error queue; leave it empty whatever the outcome so a
        // later, unrelated OpenSSL call does not report this one's errors.
        defer { ERR_clear_error() }

        guard let context = EVP_MD_CTX_new() else { return .unreadableCertificate("OpenSSL could not allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }

        guard EVP_DigestVerifyInit(context, nil, EVP_sha1(), nil, publicKey.key) == 1 else {
            return .unreadableCertificate("its public key cannot verify RSA-SHA1 signatures")
        }
        let updated = message.withUnsafeBufferPointer { buffer in
            EVP_DigestVerifyUpdate(context, buffer.baseAddress, buffer.count)
        }
        guard updated == 1 else { return .invalid }
        let result = signature.withUnsafeBufferPointer { buffer in
            EVP_DigestVerifyFinal(context, buffer.baseAddress, buffer.count)
        }
        return result == 1 ? .valid : .invalid
    }
}

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

    static func verify(certificatePEM: Data, message: [UInt8], signature: [UInt8]) -> Outcome {
        // OpenSSL keeps a per-thread error queue; leave it empty whatever the outcome so a
        // later, unrelated OpenSSL call does not report this one's errors.
        defer { ERR_clear_error() }

        let certificate: OpaquePointer? = certificatePEM.withUnsafeBytes { buffer -> OpaquePointer? in
            guard let base = buffer.baseAddress, buffer.count <= Int(Int32.max) else { return nil }
            guard let bio = BIO_new_mem_buf(base, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_X509(bio, nil, nil, nil)
        }
        guard let certificate else { return .unreadableCertificate("it is not a PEM X.509 certificate") }
        defer { X509_free(certificate) }

        guard let publicKey = X509_get_pubkey(certificate) else {
            return .unreadableCertificate("it has no usable public key")
        }
        defer { EVP_PKEY_free(publicKey) }

        guard let context = EVP_MD_CTX_new() else { return .unreadableCertificate("OpenSSL could not allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }

        guard EVP_DigestVerifyInit(context, nil, EVP_sha1(), nil, publicKey) == 1 else {
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

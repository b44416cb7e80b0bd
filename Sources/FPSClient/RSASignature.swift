import CCrypto
import Foundation
import Synchronization

/// RSASSA-PKCS1-v1_5 with SHA-1 verification through OpenSSL, the scheme FPS used to sign
/// return URIs and IPNs.
enum RSASHA1 {
    enum Outcome: Equatable {
        case valid
        case invalid
        /// The PEM could not be read as an X.509 certificate with a public key.
        case unreadableCertificate(String)
    }

    /// A public key read from a certificate. OpenSSL allows one EVP_PKEY to serve several
    /// verifications at once as long as nothing changes it, and nothing here does.
    final class PublicKey: @unchecked Sendable {
        let key: OpaquePointer
        /// True for an RSA key, which takes the prepared-context path in `verify`.
        let isRSA: Bool
        /// Idle `EVP_PKEY_CTX`s already set up for RSASSA-PKCS1-v1_5 with SHA-1. A context
        /// serves one verification at a time, so each call takes one out and puts it back.
        private let idleContexts = Mutex<[VerifyContext]>([])
        private static let maximumIdleContexts = 8

        init(taking key: OpaquePointer) {
            self.key = key
            isRSA = EVP_PKEY_get_base_id(key) == NID_rsaEncryption
        }

        deinit {
            EVP_PKEY_free(key)
        }

        /// Takes an idle verify context or sets up a new one. Returns nil when OpenSSL cannot.
        fileprivate func takeContext() -> VerifyContext? {
            if let idle = idleContexts.withLock({ $0.popLast() }) { return idle }
            guard let context = EVP_PKEY_CTX_new(key, nil) else { return nil }
            let ready = EVP_PKEY_verify_init(context) == 1
                && EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1
                && EVP_PKEY_CTX_set_signature_md(context, EVP_sha1()) == 1
            guard ready else {
                EVP_PKEY_CTX_free(context)
                return nil
            }
            return VerifyContext(context)
        }

        fileprivate func giveBack(_ context: VerifyContext) {
            idleContexts.withLock { idle in
                if idle.count < Self.maximumIdleContexts { idle.append(context) }
            }
        }
    }

    /// An `EVP_PKEY_CTX` owned by one `PublicKey`, freed with it.
    fileprivate final class VerifyContext: @unchecked Sendable {
        let context: OpaquePointer

        init(_ context: OpaquePointer) {
            self.context = context
        }

        deinit {
            EVP_PKEY_CTX_free(context)
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
        message.withUnsafeBufferPointer { messageBuffer in
            signature.withUnsafeBufferPointer { signatureBuffer in
                verify(publicKey: publicKey, message: messageBuffer, signature: signatureBuffer)
            }
        }
    }

    /// Verifies `signature` over `message`. An RSA key hashes the message with SHA1() and
    /// checks the digest through a reused verify context, so no context is set up per call.
    /// Any other key type goes through EVP_DigestVerify with SHA-1.
    static func verify(publicKey: PublicKey, message: UnsafeBufferPointer<UInt8>, signature: UnsafeBufferPointer<UInt8>) -> Outcome {
        // OpenSSL keeps a per-thread error queue; leave it empty whatever the outcome so a
        // later, unrelated OpenSSL call does not report this one's errors.
        defer { ERR_clear_error() }
        guard publicKey.isRSA else { return digestVerify(publicKey: publicKey, message: message, signature: signature) }
        guard let context = publicKey.takeContext() else {
            return .unreadableCertificate("its public key cannot verify RSA-SHA1 signatures")
        }
        var digest = (UInt64(0), UInt64(0), UInt64(0))
        let result = withUnsafeMutableBytes(of: &digest) { digestBytes -> Int32 in
            let digestStart = digestBytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            SHA1(message.baseAddress, message.count, digestStart)
            return EVP_PKEY_verify(context.context, signature.baseAddress, signature.count, digestStart, Int(SHA_DIGEST_LENGTH))
        }
        // Only a context that just verified is known to be in its set-up state; after a failure
        // it is freed rather than reused.
        guard result == 1 else { return .invalid }
        publicKey.giveBack(context)
        return .valid
    }

    private static func digestVerify(publicKey: PublicKey, message: UnsafeBufferPointer<UInt8>,
                                     signature: UnsafeBufferPointer<UInt8>) -> Outcome {
        guard let context = EVP_MD_CTX_new() else { return .unreadableCertificate("OpenSSL could not allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }

        guard EVP_DigestVerifyInit(context, nil, EVP_sha1(), nil, publicKey.key) == 1 else {
            return .unreadableCertificate("its public key cannot verify RSA-SHA1 signatures")
        }
        guard EVP_DigestVerifyUpdate(context, message.baseAddress, message.count) == 1 else { return .invalid }
        return EVP_DigestVerifyFinal(context, signature.baseAddress, signature.count) == 1 ? .valid : .invalid
    }
}

import CCrypto
import Synchronization

/// Keyed HMAC contexts from libcrypto's `EVP_MAC` interface, kept for reuse between signatures.
///
/// Fetching the HMAC implementation and setting the key cost more than hashing a 300-byte
/// string to sign, and the one-shot `HMAC()` pays both on every call. A context here is
/// created and keyed once, then reset for each message with `EVP_MAC_init(ctx, NULL, 0, NULL)`,
/// which OpenSSL 3.0 treats as "start again with the key already set".
///
/// An `EVP_MAC_CTX` must not be used by two threads at once, so a caller takes a context out
/// of the pool for one message and puts it back afterwards. Contexts are matched by secret
/// key and algorithm, and at most `capacity` idle contexts are kept.
final class HMACContextPool: Sendable {
    static let shared = HMACContextPool(capacity: 16)

    /// One keyed context. The secret is kept to match later requests to the context.
    private final class Entry: @unchecked Sendable {
        let secretKey: String
        let method: SignatureMethod
        let context: OpaquePointer

        init(secretKey: String, method: SignatureMethod, context: OpaquePointer) {
            self.secretKey = secretKey
            self.method = method
            self.context = context
        }

        deinit {
            EVP_MAC_CTX_free(context)
        }
    }

    /// The HMAC implementation of the default provider, fetched once. An `EVP_MAC` is
    /// reference-counted and safe to share between threads once fetched.
    private nonisolated(unsafe) static let hmac: OpaquePointer? = EVP_MAC_fetch(nil, "HMAC", nil)

    private let capacity: Int
    private let idle = Mutex<[Entry]>([])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Writes the HMAC of `message` under the UTF-8 bytes of `secretKey` to `digest`, which
    /// must hold `EVP_MAX_MD_SIZE` bytes, and returns its length (32 for SHA-256, 20 for SHA-1).
    ///
    /// Falls back to the one-shot `HMAC()` when a context cannot be created or keyed, so the
    /// result is the same HMAC either way.
    func authenticate(_ message: UnsafeBufferPointer<UInt8>, secretKey: String, method: SignatureMethod,
                      digest: UnsafeMutablePointer<UInt8>) -> Int {
        guard let entry = take(secretKey: secretKey, method: method) else {
            return Self.oneShot(message, secretKey: secretKey, method: method, digest: digest)
        }
        var length = 0
        let succeeded = EVP_MAC_init(entry.context, nil, 0, nil) == 1
            && EVP_MAC_update(entry.context, message.baseAddress, message.count) == 1
            && EVP_MAC_final(entry.context, digest, &length, Int(EVP_MAX_MD_SIZE)) == 1
        guard succeeded else {
            // The context is in an unknown state: drop it rather than return it to the pool.
            ERR_clear_error()
            return Self.oneShot(message, secretKey: secretKey, method: method, digest: digest)
        }
        give(entry)
        return length
    }

    /// Removes and returns an idle context for this key and algorithm, or creates one.
    private func take(secretKey: String, method: SignatureMethod) -> Entry? {
        let reused = idle.withLock { entries -> Entry? in
            guard let index = entries.lastIndex(where: { $0.method == method && $0.secretKey == secretKey }) else { return nil }
            return entries.remove(at: index)
        }
        return reused ?? Self.makeEntry(secretKey: secretKey, method: method)
    }

    /// Returns a context to the pool, evicting the oldest idle one when the pool is full.
    private func give(_ entry: Entry) {
        let evicted = idle.withLock { entries -> Entry? in
            entries.append(entry)
            return entries.count > capacity ? entries.removeFirst() : nil
        }
        // The evicted context is freed here, outside the lock.
        _ = evicted
    }

    private static func makeEntry(secretKey: String, method: SignatureMethod) -> Entry? {
        guard let hmac, let context = EVP_MAC_CTX_new(hmac) else { return nil }
        var key = secretKey
        let keyed = key.withUTF8 { keyBuffer in
            digestName(method).withCString { name in
                let parameters = [
                    OSSL_PARAM_construct_utf8_string("digest", UnsafeMutablePointer(mutating: name), 0),
                    OSSL_PARAM_construct_end(),
                ]
                // A zero-length key still needs a non-null pointer for EVP_MAC_init to set it.
                let zero: UInt8 = 0
                return withUnsafePointer(to: zero) { empty in
                    EVP_MAC_init(context, keyBuffer.baseAddress ?? empty, keyBuffer.count, parameters) == 1
                }
            }
        }
        guard keyed else {
            ERR_clear_error()
            EVP_MAC_CTX_free(context)
            return nil
        }
        return Entry(secretKey: secretKey, method: method, context: context)
    }

    private static func digestName(_ method: SignatureMethod) -> String {
        switch method {
        case .hmacSHA256: return "SHA256"
        case .hmacSHA1: return "SHA1"
        }
    }

    private static func oneShot(_ message: UnsafeBufferPointer<UInt8>, secretKey: String, method: SignatureMethod,
                                digest: UnsafeMutablePointer<UInt8>) -> Int {
        var key = secretKey
        var length: UInt32 = 0
        key.withUTF8 { keyBuffer in
            let algorithm = method == .hmacSHA256 ? EVP_sha256() : EVP_sha1()
            _ = HMAC(algorithm, keyBuffer.baseAddress, Int32(keyBuffer.count), message.baseAddress, message.count, digest, &length)
        }
        return Int(length)
    }
}

import CCrypto
import Foundation
import FPSClient
import Sandbox

/// Fixed inputs for the signing measures. The boto script uses the same values, so both
/// clients sign strings of about the same length.
enum SigningInputs {
    static let credentials = FPSCredentials(accessKeyID: SandboxServer.demoAccessKeyID, secretKey: SandboxServer.demoSecretKey)
    static let endpoints = FPSEndpoints.localSandbox(port: 8080)
    static let callerReference = "desk1-000123-1"
    static let returnURL = "http://127.0.0.1/fps-checkout/return"
    static let amount = Money(minorUnits: 6897)
    static let paymentReason = "Phone order 123"
    static let payParameters = [
        QueryParameter("SenderTokenId", "SANDBOXTOKEN0000000000000000000000000000000000000000000000001"),
        QueryParameter("CallerReference", "desk1-000123-1-pay"),
        QueryParameter("TransactionAmount.Value", "68.97"),
        QueryParameter("TransactionAmount.CurrencyCode", "USD"),
    ]

    static func cbuiURL() -> String {
        CBUIPipeline.singleUseURL(endpoint: endpoints.cbui, credentials: credentials, callerReference: callerReference,
                                  returnURL: returnURL, amount: amount, paymentReason: paymentReason, reserve: false)
    }
}

/// A transport that is never called: `signedRequest` only builds the request.
struct UnusedTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws(FPSError) -> HTTPResponse {
        throw .transport("the signing benchmark sends nothing")
    }
}

enum SigningBench {
    static func run(_ options: Options) throws {
        let rounds = try options.int("rounds", 5)
        let seconds = try options.double("round-seconds", 0.4)
        let credentials = SigningInputs.credentials
        let client = FPSAPIClient(endpoint: SigningInputs.endpoints.api, credentials: credentials, transport: UnusedTransport())

        // Rebuild each string to sign from the signed output and check that it gives the same
        // signature, so the raw HMAC below runs over exactly the bytes the client signed.
        let url = SigningInputs.cbuiURL()
        let cbuiParts = url.split(separator: "?", maxSplits: 1)
        let cbuiParameters = try QueryString.parse(cbuiParts[1])
        let cbuiMessage = SignatureV2.stringToSign(verb: "GET", hostLine: "127.0.0.1:8080", path: "/cobranded-ui/actions/start",
                                                   parameters: cbuiParameters, excluding: "signature")
        try check(cbuiMessage, signature: cbuiParameters.first { $0.name == "signature" }?.value, what: "CBUI URL")

        let request = client.signedRequest(action: "Pay", parameters: SigningInputs.payParameters)
        let apiParameters = try QueryString.parse(Substring(String(decoding: request.body ?? Data(), as: UTF8.self)))
        let apiMessage = SignatureV2.stringToSign(verb: "POST", hostLine: "127.0.0.1:8080", path: "/",
                                                  parameters: apiParameters, excluding: "Signature")
        try check(apiMessage, signature: apiParameters.first { $0.name == "Signature" }?.value, what: "Pay request")

        let key = Array(credentials.secretKey.utf8)
        let cbuiBytes = Array(cbuiMessage.utf8)
        let apiBytes = Array(apiMessage.utf8)

        // `--profile cbui` or `--profile api` runs only that signer, for perf, and prints nothing.
        switch try options.string("profile", "") {
        case "cbui":
            _ = Measure.rate(seconds: seconds * Double(rounds)) { consume(SigningInputs.cbuiURL().utf8.count) }
            return
        case "api":
            _ = Measure.rate(seconds: seconds * Double(rounds)) {
                consume(client.signedRequest(action: "Pay", parameters: SigningInputs.payParameters).body?.count ?? 0)
            }
            return
        case "":
            break
        case let other:
            throw BenchFailure("--profile takes cbui or api, got \(other)")
        }

        var rawCBUI: [Double] = [], cbui: [Double] = [], rawAPI: [Double] = [], api: [Double] = []
        for round in 0..<rounds {
            note("signing round \(round + 1) of \(rounds)")
            rawCBUI.append(try rawHMACRate(key: key, message: cbuiBytes, seconds: seconds))
            cbui.append(Measure.rate(seconds: seconds) { consume(SigningInputs.cbuiURL().utf8.count) })
            rawAPI.append(try rawHMACRate(key: key, message: apiBytes, seconds: seconds))
            api.append(Measure.rate(seconds: seconds) {
                consume(client.signedRequest(action: "Pay", parameters: SigningInputs.payParameters).body?.count ?? 0)
            })
        }
        emit("signing", [
            "cbui_per_s": Measure.median(cbui), "cbui_raw_hmac_per_s": Measure.median(rawCBUI),
            "cbui_string_to_sign_bytes": cbuiBytes.count, "cbui_url_bytes": url.utf8.count,
            "api_per_s": Measure.median(api), "api_raw_hmac_per_s": Measure.median(rawAPI),
            "api_string_to_sign_bytes": apiBytes.count, "api_body_bytes": request.body?.count ?? 0,
            "rounds": rounds, "round_seconds": seconds,
        ])
    }

    /// Checks the signature against libcrypto's one-shot `HMAC()`, which shares no code with
    /// the client's pooled contexts.
    private static func check(_ message: String, signature: String?, what: String) throws {
        let key = Array(SigningInputs.credentials.secretKey.utf8)
        let bytes = Array(message.utf8)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        HMAC(EVP_sha256(), key, Int32(key.count), bytes, bytes.count, &digest, &length)
        let expected = Data(digest[0..<Int(length)]).base64EncodedString()
        guard signature == expected else {
            throw BenchFailure("the rebuilt string to sign of the \(what) does not give its signature")
        }
    }

    /// libcrypto's HMAC-SHA256 over `message` at its fastest: one `EVP_MAC` context keyed
    /// once, then reset with `EVP_MAC_init(ctx, NULL, 0, NULL)`, updated and finalised per
    /// message. No SigV2 signer that runs one HMAC per call can beat this rate.
    static func rawHMACRate(key: [UInt8], message: [UInt8], seconds: Double) throws -> Double {
        guard let hmac = EVP_MAC_fetch(nil, "HMAC", nil) else { throw BenchFailure("EVP_MAC_fetch(HMAC) failed") }
        defer { EVP_MAC_free(hmac) }
        guard let context = EVP_MAC_CTX_new(hmac) else { throw BenchFailure("EVP_MAC_CTX_new failed") }
        defer { EVP_MAC_CTX_free(context) }
        let keyed = "SHA256".withCString { name in
            let parameters = [OSSL_PARAM_construct_utf8_string("digest", UnsafeMutablePointer(mutating: name), 0),
                              OSSL_PARAM_construct_end()]
            return EVP_MAC_init(context, key, key.count, parameters) == 1
        }
        guard keyed else { throw BenchFailure("EVP_MAC_init with the key failed") }

        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = 0
        return message.withUnsafeBufferPointer { messageBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                Measure.rate(seconds: seconds) {
                    EVP_MAC_init(context, nil, 0, nil)
                    EVP_MAC_update(context, messageBuffer.baseAddress, messageBuffer.count)
                    EVP_MAC_final(context, outputBuffer.baseAddress, &length, outputBuffer.count)
                    consume(length)
                }
            }
        }
    }
}

import Checkout
import Foundation
import FPSClient
import Sandbox

/// A sandbox in this process on a free loopback port, with its data in a scratch folder.
final class BenchSandbox {
    let server: SandboxServer
    let folder: ScratchFolder
    let endpoints: FPSEndpoints

    init(label: String, threads: UInt32 = 2) throws {
        folder = try ScratchFolder(label)
        var configuration = SandboxConfiguration(dataPath: folder.path + "/sandbox.sqlite")
        configuration.pendingSeconds = 0
        configuration.threads = threads
        server = try SandboxServer(configuration: configuration)
        let port = try server.start()
        endpoints = .localSandbox(port: Int(port))
    }

    func stop() {
        server.stop()
        folder.remove()
    }

    /// Builds a CBUI URL for `callerReference`, approves it as the customer over HTTP and
    /// returns the signed return URI.
    func approvedReturnURI(callerReference: String, amount: Money, transport: any HTTPTransport) async throws -> String {
        let url = CBUIPipeline.singleUseURL(endpoint: endpoints.cbui, credentials: SigningInputs.credentials,
                                            callerReference: callerReference, returnURL: SigningInputs.returnURL,
                                            amount: amount, paymentReason: "Bench order", reserve: false)
        return try await SandboxCustomer.approve(cbuiURL: url, transport: transport)
    }
}

enum VerifyBench {
    static func run(_ options: Options) async throws {
        let rounds = try options.int("rounds", 5)
        let seconds = try options.double("round-seconds", 0.5)
        let sandbox = try BenchSandbox(label: "verify")
        defer { sandbox.stop() }
        let transport = URLSessionTransport(timeoutSeconds: 10)
        let raw = try await sandbox.approvedReturnURI(callerReference: "bench-verify-\(UUID().uuidString.prefix(8))",
                                                      amount: Money(minorUnits: 1999), transport: transport)
        let uri = try ReturnURI.parse(raw)
        let verifier = ReturnURIVerifier(certificateAllowList: sandbox.endpoints.certificateAllowList, transport: transport)
        // The first call fetches the certificate; every later one uses the cache.
        guard case .verified = await verifier.verifySignature(uri) else {
            throw BenchFailure("the sandbox-signed return URI did not verify")
        }
        var rates: [Double] = []
        for round in 0..<rounds {
            note("verify round \(round + 1) of \(rounds)")
            rates.append(await Measure.rate(seconds: seconds) {
                if case .verified = await verifier.verifySignature(uri) { consume(1) }
            })
        }
        emit("verify", ["verify_per_s": Measure.median(rates), "rounds": rounds, "round_seconds": seconds,
                        "return_uri_bytes": raw.utf8.count])
    }
}

enum XMLBench {
    static func run(_ options: Options) throws {
        let folder = try options.string("fixtures")
        let seconds = try options.double("round-seconds", 0.2)
        let rounds = try options.int("rounds", 3)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".xml") }.sorted()
        guard !names.isEmpty else { throw BenchFailure("no .xml fixtures in \(folder)") }
        for name in names {
            let body = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            let decode = try decoder(for: name, body: body)
            // Decode once outside the timing to make sure the fixture takes the intended path.
            guard decode() == 1 else { throw BenchFailure("the fixture \(name) did not decode as expected") }
            var rates: [Double] = []
            for _ in 0..<rounds {
                rates.append(Measure.rate(seconds: seconds) { consume(decode()) })
            }
            emit("xml", ["fixture": name, "decode_per_s": Measure.median(rates), "bytes": body.count])
        }
    }

    /// Picks the decoder a response of this kind goes through in the client. File names are
    /// `Action.Detail.xml`, and error samples `Error.Code.HTTPSTATUS.xml`.
    static func decoder(for name: String, body: Data) throws -> () -> Int {
        let parts = name.dropLast(4).split(separator: ".").map(String.init)
        let action = parts[0]
        let status = parts.count >= 3 ? Int(parts[parts.count - 1]) ?? 200 : 200
        let response = HTTPResponse(status: status, headers: [:], body: body)
        switch action {
        case "Error":
            return {
                if case .service = FPSResponseDecoder.serviceError(from: response) { return 1 }
                return 0
            }
        case "GetTokenByCaller":
            return { (try? FPSResponseDecoder.tokenResult(response: response)) == nil ? 0 : 1 }
        case "VerifySignature":
            return { (try? FPSResponseDecoder.verifySignatureResult(response: response)) == nil ? 0 : 1 }
        case "CancelToken":
            return { (try? FPSResponseDecoder.metadataOnlyResult(action: "CancelToken", response: response)) == nil ? 0 : 1 }
        case "Pay", "Reserve", "Settle", "Cancel", "Refund", "GetTransactionStatus":
            return { (try? FPSResponseDecoder.transactionResult(action: action, response: response)) == nil ? 0 : 1 }
        default:
            throw BenchFailure("no decoder known for the fixture \(name)")
        }
    }
}

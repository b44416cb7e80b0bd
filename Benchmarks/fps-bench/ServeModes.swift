import Checkout
import Foundation
import FPSClient
import Sandbox

/// Servers that Benchmarks/run.sh points wrk at. Each prints one `ready port=N` line once it
/// accepts requests and then serves until the script ends it with SIGTERM.
enum ServeModes {
    static func trivial(_ options: Options) throws -> Never {
        let server = try TrivialServer(threads: UInt32(try options.int("threads", 2)))
        ready(port: server.port)
    }

    /// Starts the sandbox with its data in `--dir`, then writes the form bodies of pre-signed
    /// requests for wrk's Lua script, one per line: `--gts` GetTransactionStatus requests for
    /// one settled transaction (`gts.txt`), and `--pay` Pay requests, each with its own token
    /// approved through the CBUI over HTTP and its own CallerReference (`pay.txt`).
    static func sandbox(_ options: Options) async throws -> Never {
        let directory = try options.string("dir")
        let statusCount = try options.int("gts", 1000)
        let payCount = try options.int("pay", 1000)
        var configuration = SandboxConfiguration(dataPath: directory + "/sandbox.sqlite")
        configuration.pendingSeconds = 0
        configuration.threads = UInt32(try options.int("threads", 2))
        let server = try SandboxServer(configuration: configuration)
        let port = try server.start()
        let endpoints = FPSEndpoints.localSandbox(port: Int(port))
        let transport = URLSessionTransport(timeoutSeconds: 10)
        let client = FPSAPIClient(endpoint: endpoints.api, credentials: SigningInputs.credentials, transport: transport)
        let run = UUID().uuidString.prefix(8)

        let tokens = try await mintTokens(count: payCount + 1, endpoints: endpoints, run: String(run), transport: transport)
        let paid = try await client.pay(senderTokenID: tokens[0], amount: Money(minorUnits: 500), callerReference: "bench-\(run)-status")
        let statusBodies = (0..<statusCount).map { _ in
            body(client.signedRequest(action: "GetTransactionStatus", parameters: [QueryParameter("TransactionId", paid.transactionID)]))
        }
        let payBodies = tokens.dropFirst().enumerated().map { index, token in
            body(client.signedRequest(action: "Pay", parameters: [
                QueryParameter("SenderTokenId", token), QueryParameter("CallerReference", "bench-\(run)-pay-\(index)"),
                QueryParameter("TransactionAmount.Value", "5.00"), QueryParameter("TransactionAmount.CurrencyCode", "USD"),
            ]))
        }
        try (statusBodies.joined(separator: "\n") + "\n").write(toFile: directory + "/gts.txt", atomically: true, encoding: .utf8)
        try (payBodies.joined(separator: "\n") + "\n").write(toFile: directory + "/pay.txt", atomically: true, encoding: .utf8)
        ready(port: port)
    }

    /// Approves `count` CBUI authorizations, four at a time, and returns their token ids.
    static func mintTokens(count: Int, endpoints: FPSEndpoints, run: String, transport: any HTTPTransport) async throws -> [String] {
        let verifier = ReturnURIVerifier(certificateAllowList: endpoints.certificateAllowList, transport: transport)
        return try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var tokens = [String](repeating: "", count: count)
            var next = 0
            func add() {
                let index = next
                next += 1
                group.addTask {
                    let reference = "bench-\(run)-token-\(index)"
                    let url = CBUIPipeline.singleUseURL(endpoint: endpoints.cbui, credentials: SigningInputs.credentials,
                                                        callerReference: reference, returnURL: SigningInputs.returnURL,
                                                        amount: Money(minorUnits: 500), paymentReason: "Bench order", reserve: false)
                    let uri = try await SandboxCustomer.approve(cbuiURL: url, transport: transport)
                    switch await verifier.authorize(uri, expectedCallerReference: reference, requireCard: false) {
                    case .success(let authorization): return (index, authorization.tokenID)
                    case .failure(let refusal): throw BenchFailure("token \(index) was rejected: \(refusal)")
                    }
                }
            }
            for _ in 0..<min(4, count) { add() }
            while let (index, token) = try await group.next() {
                tokens[index] = token
                if next < count { add() }
                if index % 250 == 0 { note("minted token \(index + 1) of \(count)") }
            }
            return tokens
        }
    }

    private static func body(_ request: HTTPRequest) -> String {
        String(decoding: request.body ?? Data(), as: UTF8.self)
    }

    private static func ready(port: UInt16) -> Never {
        // Unbuffered, so the script reading the pipe gets the line at once.
        FileHandle.standardOutput.write(Data("ready port=\(port)\n".utf8))
        while true { sleep(3600) }
    }
}

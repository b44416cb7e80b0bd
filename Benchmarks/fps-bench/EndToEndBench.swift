import Foundation
import FPSClient
import Sandbox

/// Checkout latency through the raw FPSClient calls against the sandbox in this process,
/// next to the same number of bare HTTP round trips to the trivial server through the same
/// transport. The two alternate, one checkout then one group of bare requests, so both see
/// the same machine load.
///
/// One checkout signs the CBUI URL, GETs the CBUI page and POSTs the approval as the customer,
/// verifies the return URI with the cached certificate, then sends Pay and GetTransactionStatus.
/// That is four HTTP requests.
enum EndToEndBench {
    static let requestsPerCheckout = 4

    static func run(_ options: Options) async throws {
        let count = try options.int("checkouts", 1000)
        let warmup = try options.int("warmup", 20)
        let withBare = try options.int("bare", 1) == 1
        let sandbox = try BenchSandbox(label: "e2e")
        defer { sandbox.stop() }
        let trivial = try TrivialServer()
        defer { trivial.stop() }

        let transport = URLSessionTransport(timeoutSeconds: 10)
        let client = FPSAPIClient(endpoint: sandbox.endpoints.api, credentials: SigningInputs.credentials, transport: transport)
        let verifier = ReturnURIVerifier(certificateAllowList: sandbox.endpoints.certificateAllowList, transport: transport)
        let run = String(UUID().uuidString.prefix(8))
        let bare = BareRoundTrips(port: trivial.port, transport: transport)

        var checkoutTimes: [Double] = []
        var bareTimes: [Double] = []
        var stageTimes: [String: [Double]] = [:]
        for index in 0..<(warmup + count) {
            if index == warmup { note("e2e: warm-up done, measuring \(count) checkouts") }
            let start = Measure.now()
            let stages = try await checkout(index: index, run: run, sandbox: sandbox, client: client, verifier: verifier, transport: transport)
            let checkoutNanoseconds = Measure.now() - start
            if index >= warmup {
                for (stage, milliseconds) in stages { stageTimes[stage, default: []].append(milliseconds) }
            }
            var bareNanoseconds: UInt64 = 0
            if withBare {
                let bareStart = Measure.now()
                try await bare.group()
                bareNanoseconds = Measure.now() - bareStart
            }
            if index >= warmup {
                checkoutTimes.append(Double(checkoutNanoseconds) / 1e6)
                bareTimes.append(Double(bareNanoseconds) / 1e6)
            }
        }
        guard count > 0 else { return }
        emit("e2e", [
            "checkouts": count, "requests_per_checkout": requestsPerCheckout,
            "checkout_p50_ms": Measure.percentile(checkoutTimes, 0.5), "checkout_p99_ms": Measure.percentile(checkoutTimes, 0.99),
            "bare_p50_ms": Measure.percentile(bareTimes, 0.5), "bare_p99_ms": Measure.percentile(bareTimes, 0.99),
            "stage_p50_ms": stageTimes.mapValues { Measure.percentile($0, 0.5) },
        ])
    }

    /// Runs one checkout and returns the milliseconds of each stage: `approve` (CBUI page, the
    /// customer's HTML form parse and the approval POST, to which the sandbox responds with an
    /// RSA-signed redirect), `verify`, `pay` and `status`.
    static func checkout(index: Int, run: String, sandbox: BenchSandbox, client: FPSAPIClient, verifier: ReturnURIVerifier,
                         transport: any HTTPTransport) async throws -> [(String, Double)] {
        let reference = "bench-\(run)-e2e-\(index)"
        let amount = Money(minorUnits: 1000 + Int64(index % 9000))
        var stages: [(String, Double)] = []
        var mark = Measure.now()
        func lap(_ stage: String) {
            let now = Measure.now()
            stages.append((stage, Double(now - mark) / 1e6))
            mark = now
        }

        let uri = try await sandbox.approvedReturnURI(callerReference: reference, amount: amount, transport: transport)
        lap("approve")
        let authorization: Authorization
        switch await verifier.authorize(uri, expectedCallerReference: reference, requireCard: false) {
        case .success(let value): authorization = value
        case .failure(let refusal): throw BenchFailure("checkout \(index): the return URI was rejected: \(refusal)")
        }
        lap("verify")
        let paid = try await client.pay(senderTokenID: authorization.tokenID, amount: amount, callerReference: reference + "-pay")
        lap("pay")
        let status = try await client.getTransactionStatus(transactionID: paid.transactionID)
        lap("status")
        guard status.status == .success else {
            throw BenchFailure("checkout \(index): the transaction ended \(status.status.rawValue), not Success")
        }
        return stages
    }
}

/// The four requests of a checkout, with bodies of the same sizes, sent to the trivial server.
struct BareRoundTrips {
    let page: HTTPRequest
    let approval: HTTPRequest
    let pay: HTTPRequest
    let status: HTTPRequest
    let transport: any HTTPTransport

    init(port: UInt16, transport: any HTTPTransport) {
        let endpoints = FPSEndpoints.localSandbox(port: Int(port))
        let url = CBUIPipeline.singleUseURL(endpoint: endpoints.cbui, credentials: SigningInputs.credentials,
                                            callerReference: "bench-bare-e2e-0", returnURL: SigningInputs.returnURL,
                                            amount: SigningInputs.amount, paymentReason: "Bench order", reserve: false)
        let client = FPSAPIClient(endpoint: endpoints.api, credentials: SigningInputs.credentials, transport: transport)
        let form = ["Content-Type": "application/x-www-form-urlencoded"]
        page = HTTPRequest(method: "GET", url: URL(string: url)!, headers: [:], body: nil)
        approval = HTTPRequest(method: "POST", url: endpoints.cbui, headers: form,
                               body: Data(("request=" + String(repeating: "A", count: 600) + "&paymentMethod=CC&decision=approve").utf8))
        pay = client.signedRequest(action: "Pay", parameters: SigningInputs.payParameters)
        status = client.signedRequest(action: "GetTransactionStatus", parameters: [QueryParameter("TransactionId", "SANDBOXTX000000000001")])
        self.transport = transport
    }

    func group() async throws {
        for request in [page, approval, pay, status] {
            let response = try await transport.send(request)
            guard response.status == 200 else { throw BenchFailure("the trivial server returned HTTP \(response.status)") }
        }
    }
}

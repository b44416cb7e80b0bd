import Checkout
import FPSClient
import Foundation
import Ledger
import Sandbox
import Synchronization
import Testing

/// Counts the calls that reach the real client, so a test can prove that none was made.
final class CountingActions: FPSActions, Sendable {
    private let wrapped: any FPSActions
    private let counts = Mutex<[String: Int]>([:])

    init(_ wrapped: any FPSActions) { self.wrapped = wrapped }

    func count(_ action: String) -> Int { counts.withLock { $0[action] ?? 0 } }
    var total: Int { counts.withLock { $0.values.reduce(0, +) } }

    private func note(_ action: String) { counts.withLock { $0[action, default: 0] += 1 } }

    func pay(senderTokenID: String, amount: Money, callerReference: String) async throws(FPSError) -> TransactionResult {
        note("Pay")
        return try await wrapped.pay(senderTokenID: senderTokenID, amount: amount, callerReference: callerReference)
    }

    func reserve(senderTokenID: String, amount: Money, callerReference: String) async throws(FPSError) -> TransactionResult {
        note("Reserve")
        return try await wrapped.reserve(senderTokenID: senderTokenID, amount: amount, callerReference: callerReference)
    }

    func settle(reserveTransactionID: String, amount: Money?) async throws(FPSError) -> TransactionResult {
        note("Settle")
        return try await wrapped.settle(reserveTransactionID: reserveTransactionID, amount: amount)
    }

    func getTransactionStatus(transactionID: String) async throws(FPSError) -> TransactionResult {
        note("GetTransactionStatus")
        return try await wrapped.getTransactionStatus(transactionID: transactionID)
    }

    func cancel(transactionID: String, description: String?) async throws(FPSError) -> TransactionResult {
        note("Cancel")
        return try await wrapped.cancel(transactionID: transactionID, description: description)
    }

    func refund(transactionID: String, callerReference: String, amount: Money?, callerDescription: String?) async throws(FPSError) -> TransactionResult {
        note("Refund")
        return try await wrapped.refund(transactionID: transactionID, callerReference: callerReference, amount: amount,
                                        callerDescription: callerDescription)
    }
}

/// A real sandbox server on 127.0.0.1 and a session wired to it as the console wires it.
final class SandboxRig {
    let directory: TemporaryDirectory
    let server: SandboxServer
    let ledger: Ledger
    let actions: CountingActions
    let session: CheckoutSession
    let transport = URLSessionTransport(timeoutSeconds: 5)

    init(pendingSeconds: Double = 0) throws {
        directory = try TemporaryDirectory()
        var sandboxConfiguration = SandboxConfiguration(dataPath: directory.url.appendingPathComponent("sandbox.sqlite").path)
        sandboxConfiguration.pendingSeconds = pendingSeconds
        server = try SandboxServer(configuration: sandboxConfiguration)
        let port = try server.start()

        let endpoints = FPSEndpoints.localSandbox(port: Int(port))
        let credentials = FPSCredentials(accessKeyID: SandboxServer.demoAccessKeyID, secretKey: SandboxServer.demoSecretKey)
        let relay = FPSEventRelay()
        let client = FPSAPIClient(endpoint: endpoints.api, credentials: credentials, transport: transport, events: relay.sink)
        actions = CountingActions(client)
        ledger = try Ledger(path: directory.ledgerPath)
        let configuration = CheckoutConfiguration(endpoints: endpoints, credentials: credentials, desk: "sandbox desk",
                                                  pollInterval: .milliseconds(200), maxPolls: 50,
                                                  retryBaseDelay: .milliseconds(50), maxRetryDelay: .milliseconds(200))
        let verifier = ReturnURIVerifier(certificateAllowList: endpoints.certificateAllowList, transport: transport)
        session = CheckoutSession(configuration: configuration, client: actions, verifier: verifier, ledger: ledger)
        relay.connect(session.recordEvent)
    }

    deinit { server.stop() }

    /// Keys in one line of 3 × 12.50 (37.50) and builds the URL.
    func buildOrder(mode: ChargeMode) async {
        await session.perform(.setMode(mode))
        await session.perform(.addLine(description: "Desk lamp", quantity: "3", unitPrice: "12.50"))
        await session.perform(.buildURL)
    }

    /// Plays the customer on the sandbox page and returns the return URI.
    func approve(method: String = "CC") async throws -> String {
        let url = try #require(session.state.cbuiURL)
        return try await SandboxCustomer.approve(cbuiURL: url, transport: transport, method: method)
    }
}

@Suite("Sandbox integration", .serialized)
struct SandboxIntegrationTests {
    @Test("pay through the sandbox")
    func payFlow() async throws {
        let rig = try SandboxRig()
        await rig.buildOrder(mode: .payNow)
        #expect(rig.session.state.phase == .awaitingReturn)

        let returnURI = try await rig.approve()
        #expect(returnURI.hasPrefix(CheckoutConfiguration.defaultReturnURL + "?"))
        await rig.session.perform(.submitReturnURI(returnURI))
        var state = rig.session.state
        #expect(state.phase == .authorized, "notice: \(state.notice ?? "")")

        await rig.session.perform(.pay)
        state = rig.session.state
        #expect(state.phase == .succeeded, "notice: \(state.notice ?? "")")
        #expect(state.transaction?.status == .success)
        #expect(state.notice?.hasPrefix("Paid USD 37.50") == true)
        #expect(rig.actions.count("Pay") == 1)
        // The API client's request and response lines reach the session's event log.
        #expect(state.events.contains { $0.kind == .request })
        #expect(state.events.contains { $0.kind == .response })
        #expect(state.events.allSatisfy { !$0.text.contains(SandboxServer.demoSecretKey) })
        let token = try #require(state.tokenID)
        #expect(state.events.allSatisfy { !$0.text.contains(token) })
    }

    @Test("pending pay is polled on the sandbox")
    func pendingPay() async throws {
        let rig = try SandboxRig(pendingSeconds: 0.5)
        await rig.buildOrder(mode: .payNow)
        await rig.session.perform(.submitReturnURI(try await rig.approve()))
        await rig.session.perform(.pay)
        let state = rig.session.state
        #expect(state.phase == .succeeded, "notice: \(state.notice ?? "")")
        #expect(rig.actions.count("Pay") == 1)
        #expect(rig.actions.count("GetTransactionStatus") >= 1)
        let history = try rig.ledger.statusHistory(transactionID: try #require(state.transaction?.transactionID))
        // The sandbox may report a finer StatusCode while Pending, which adds a history entry.
        #expect(history.first?.status == "Pending")
        #expect(history.last?.status == "Success")
        #expect(history.allSatisfy { $0.status == "Pending" || $0.status == "Success" })
    }

    @Test("reserve and settle through the sandbox")
    func reserveSettleFlow() async throws {
        let rig = try SandboxRig()
        await rig.buildOrder(mode: .reserveThenSettle)
        #expect(rig.session.state.cbuiURL?.contains("reserve=True") == true)
        await rig.session.perform(.submitReturnURI(try await rig.approve()))
        #expect(rig.session.state.phase == .authorized, "notice: \(rig.session.state.notice ?? "")")

        await rig.session.perform(.reserve)
        var state = rig.session.state
        #expect(state.phase == .reserved, "notice: \(state.notice ?? "")")

        await rig.session.perform(.settle(amount: "30.00"))
        state = rig.session.state
        #expect(state.phase == .succeeded, "notice: \(state.notice ?? "")")
        #expect(state.notice?.hasPrefix("Settled USD 30.00") == true)
        #expect(rig.actions.count("Reserve") == 1)
        #expect(rig.actions.count("Settle") == 1)
    }

    @Test("tampered token sends no pay")
    func tamperedToken() async throws {
        let rig = try SandboxRig()
        await rig.buildOrder(mode: .payNow)
        let returnURI = try await rig.approve()
        let tampered = try #require(Self.replacingTokenID(in: returnURI))
        #expect(tampered != returnURI)

        await rig.session.perform(.submitReturnURI(tampered))
        let state = rig.session.state
        #expect(state.phase == .awaitingReturn)
        #expect(state.noticeIsProblem)
        #expect(state.notice?.contains("signature does not match") == true, "notice: \(state.notice ?? "")")
        await rig.session.perform(.pay)
        #expect(rig.actions.total == 0)

        // The genuine return URI still works afterwards.
        await rig.session.perform(.submitReturnURI(returnURI))
        #expect(rig.session.state.phase == .authorized)
    }

    @Test("other order's return is refused")
    func otherOrdersReturn() async throws {
        let rig = try SandboxRig()
        await rig.buildOrder(mode: .payNow)
        let firstReturn = try await rig.approve()
        let firstOrder = rig.session.state.orderID

        await rig.session.perform(.newOrder)
        #expect(rig.session.state.orderID != firstOrder)
        await rig.session.perform(.addLine(description: "Chair", quantity: "1", unitPrice: "80"))
        await rig.session.perform(.buildURL)
        await rig.session.perform(.submitReturnURI(firstReturn))
        let state = rig.session.state
        #expect(state.phase == .awaitingReturn)
        #expect(state.notice?.contains("this checkout is waiting for") == true, "notice: \(state.notice ?? "")")
        #expect(rig.actions.total == 0)
    }

    @Test("replayed return URI is refused")
    func replayedReturn() async throws {
        let rig = try SandboxRig()
        await rig.buildOrder(mode: .payNow)
        let returnURI = try await rig.approve()
        await rig.session.perform(.submitReturnURI(returnURI))
        await rig.session.perform(.pay)
        #expect(rig.session.state.phase == .succeeded)

        // Pasting the same return URI after the payment, even after reopening the order, is ignored.
        await rig.session.perform(.open(orderID: rig.session.state.orderID))
        await rig.session.perform(.submitReturnURI(returnURI))
        #expect(rig.session.state.phase == .succeeded)
        #expect(rig.actions.count("Pay") == 1)
    }

    @Test("approving an approved URL names the reason")
    func approveTwice() async throws {
        let rig = try SandboxRig()
        await rig.buildOrder(mode: .payNow)
        let first = try await rig.approve()
        #expect(first.contains("status=SC"))

        let error = await #expect(throws: SandboxCustomerError.self) { _ = try await rig.approve() }
        #expect(error?.message == "The sandbox already authorized this URL; paste its return URI, or build a new URL.")
    }

    @Test("redirect without a form shows only its reason")
    func redirectShowsReasonOnly() async throws {
        let location = "http://127.0.0.1/fps-checkout/return?status=CE&callerReference=ref-1"
            + "&errorMessage=signature%20is%20missing.%0A&tokenID=TOKEN1234567890SECRET&signature=c2lnbmF0dXJl"
        let transport = RedirectingTransport(location: location)
        let error = await #expect(throws: SandboxCustomerError.self) {
            _ = try await SandboxCustomer.approve(cbuiURL: "http://127.0.0.1:1/cobranded-ui/actions/start?x=1", transport: transport)
        }
        let message = try #require(error?.message)
        #expect(message == "The sandbox rejected the URL (status CE): signature is missing. Build a new URL and try again.")
        #expect(!message.contains("TOKEN1234567890SECRET"))
        #expect(!message.contains("c2lnbmF0dXJl"))
    }

    @Test("redirect without a reason names its status")
    func redirectWithoutReason() async throws {
        let transport = RedirectingTransport(location: "http://127.0.0.1/fps-checkout/return?status=SE")
        let error = await #expect(throws: SandboxCustomerError.self) {
            _ = try await SandboxCustomer.approve(cbuiURL: "http://127.0.0.1:1/cobranded-ui/actions/start?x=1", transport: transport)
        }
        #expect(error?.message == "The sandbox payment page redirected (HTTP 302) with status SE without showing the approval form. Build a new URL and try again.")
    }

    @Test("customer refuses other hosts")
    func customerLoopbackOnly() async throws {
        await #expect(throws: SandboxCustomerError.self) {
            _ = try await SandboxCustomer.approve(cbuiURL: "https://authorize.payments.amazon.com/cobranded-ui/actions/start?x=1",
                                                  transport: URLSessionTransport())
        }
    }

    /// Replaces the tokenID value with a different one of the same length.
    static func replacingTokenID(in uri: String) -> String? {
        guard let range = uri.range(of: "tokenID=") else { return nil }
        let valueStart = range.upperBound
        let valueEnd = uri[valueStart...].firstIndex(of: "&") ?? uri.endIndex
        let original = uri[valueStart..<valueEnd]
        guard let first = original.first else { return nil }
        let replacement = (first == "A" ? "B" : "A") + original.dropFirst()
        return uri.replacingCharacters(in: valueStart..<valueEnd, with: replacement)
    }
}

/// Returns a 302 to `location` for every request, as the sandbox does for a URL it rejects.
struct RedirectingTransport: HTTPTransport {
    let location: String

    func send(_ request: HTTPRequest) async throws(FPSError) -> HTTPResponse {
        HTTPResponse(status: 302, headers: ["Location": location], body: Data())
    }
}

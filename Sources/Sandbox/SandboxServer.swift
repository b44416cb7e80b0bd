import Foundation
import FPSClient

/// Settings for one sandbox server.
public struct SandboxConfiguration: Sendable {
    /// The loopback port to bind; 0 picks a free port.
    public var port: UInt16 = 0
    /// The SQLite file with the sandbox state; created if missing.
    public var dataPath: String
    /// Seconds that Pay, Reserve and Settle stay Pending before their final status. With 0 the
    /// response carries the final status at once.
    public var pendingSeconds: Double = 0
    /// libmicrohttpd worker threads.
    public var threads: UInt32 = 2
    /// The wall clock. Request `Timestamp` and `Expires` values are checked against it.
    public var clock: @Sendable () -> Date = { Date() }
    /// Seconds the sandbox's business time starts ahead of `clock`. Business time drives token
    /// expiry (3 hours), reserve expiry (7 days), pending transitions and stored times, and
    /// `POST /admin/clock` moves it further forward at run time.
    public var clockOffsetSeconds: Double = 0
    /// Whether the sandbox serves the test controls `/admin/clock` and `/admin/faults`. On by default, because the
    /// sandbox is a local test server bound to 127.0.0.1. Every POST to them must carry the demo
    /// secret key in the `X-Sandbox-Admin-Secret` header.
    public var allowAdmin = true
    /// Failures injected into API requests; none by default. `POST /admin/faults` replaces them at run time.
    public var faults = SandboxFaults()
    /// Receives start and stop messages and every internal error. Secrets never appear in them.
    public var log: @Sendable (String) -> Void = { _ in }

    public init(dataPath: String) {
        self.dataPath = dataPath
    }
}

/// Errors the sandbox throws while starting.
public enum SandboxError: Error, Sendable, CustomStringConvertible {
    case startFailed(String)
    case storage(String)

    public var description: String {
        switch self {
        case .startFailed(let message): return "The sandbox could not start: \(message)"
        case .storage(let message): return "The sandbox database failed: \(message)"
        }
    }
}

/// A local FPS-compatible server on 127.0.0.1: the CBUI SingleUse pipeline, signed returns,
/// the signing certificate and the API actions Pay, Reserve, Settle, Cancel, Refund,
/// GetTransactionStatus, VerifySignature, CancelToken and GetTokenByCaller.
///
/// State lives in the SQLite file of the configuration, so a server restarted on the same
/// file keeps its callers, signing key, tokens and transactions.
public final class SandboxServer: @unchecked Sendable {
    /// The demo caller's access key id, always registered.
    public static let demoAccessKeyID = "AKSANDBOXDEMO0000001"
    /// The demo caller's secret key. It is public test data for the local sandbox only, and the
    /// `/` and `+` in it exercise percent-encoding in clients.
    public static let demoSecretKey = "fpsSandboxDemoSecret/NotForProduction+00"

    public let configuration: SandboxConfiguration
    let store: SandboxStore
    let identity: SigningIdentity
    let clock: SandboxClock
    private let router: SandboxRouter
    private let lock = NSLock()
    private var http: LoopbackHTTPServer?

    /// Opens or creates the data file, registers the demo caller, and loads the signing key or
    /// generates one on first use.
    public init(configuration: SandboxConfiguration) throws {
        self.configuration = configuration
        clock = SandboxClock(base: configuration.clock, offsetSeconds: configuration.clockOffsetSeconds)
        // The certificate's validity starts at the wall clock, so that clients checking it
        // against their real time accept it whatever the business-time offset.
        let now = configuration.clock()
        do {
            store = try SandboxStore(path: configuration.dataPath)
            try store.registerCaller(accessKeyID: Self.demoAccessKeyID, secretKey: Self.demoSecretKey,
                                     description: "demo caller", now: now)
            identity = try store.loadOrCreateSigningIdentity(now: now)
        } catch {
            throw SandboxError.storage("\(configuration.dataPath): \(error)")
        }
        router = SandboxRouter(store: store, identity: identity, clock: clock, configuration: configuration)
    }

    deinit {
        stop()
    }

    /// Registers or replaces a caller whose requests the sandbox accepts.
    public func registerCaller(accessKeyID: String, secretKey: String, description: String? = nil) throws {
        do {
            try store.registerCaller(accessKeyID: accessKeyID, secretKey: secretKey, description: description,
                                     now: clock.now)
        } catch {
            throw SandboxError.storage("\(error)")
        }
    }

    /// Starts serving on 127.0.0.1 and returns the bound port. Calling it again while running returns the same port.
    @discardableResult
    public func start() throws -> UInt16 {
        try lock.withLock {
            if http != nil { return router.boundPort.value }
            // The HTTP server keeps a reference to the router, not to this object, so no request
            // can reach a SandboxServer that is being deinitialized.
            let router = self.router
            router.faults.resumeWaits()
            let server = LoopbackHTTPServer { request in router.route(request) }
            let port = try server.start(port: configuration.port, threads: max(1, configuration.threads))
            http = server
            router.boundPort.value = port
            configuration.log("sandbox listening on http://127.0.0.1:\(port) (data \(configuration.dataPath))")
            return port
        }
    }

    /// Stops serving and returns after in-flight requests have finished. The server can be started again.
    public func stop() {
        lock.withLock {
            guard let server = http else { return }
            // Hanging requests would otherwise hold MHD_stop_daemon for up to hangSeconds.
            router.faults.interruptWaits()
            server.stop()
            http = nil
            configuration.log("sandbox on port \(router.boundPort.value) stopped")
        }
    }

    /// The sandbox's business time: the configured clock plus `clockOffsetSeconds` and every
    /// `POST /admin/clock` change since.
    public var now: Date { clock.now }

    /// The failures currently injected into API requests. Setting them restarts the generator
    /// from their seed, as `POST /admin/faults` does.
    public var faults: SandboxFaults {
        get { router.faults.faults }
        set { router.faults.replace(with: newValue) }
    }

    /// The bound port, or 0 before the first start.
    public var port: UInt16 { router.boundPort.value }

    /// `http://127.0.0.1:<port>`, the API endpoint without its trailing `/`.
    public var baseURL: String { router.boundPort.baseURL }

    /// The CBUI pipeline start URL that merchants sign and send buyers to.
    public var cbuiURL: String { baseURL + CBUIService.startPath }

    /// The URL of the certificate whose key signs return redirects.
    public var certificateURL: String { router.certificateURL }

    /// The PEM of the certificate served at `certificateURL`.
    public var certificatePEM: String { identity.certificatePEM }
}

/// The port the server is bound to, shared with the handlers that sign with it.
final class BoundPort: @unchecked Sendable {
    private let lock = NSLock()
    private var port: UInt16 = 0

    var value: UInt16 {
        get { lock.withLock { port } }
        set { lock.withLock { port = newValue } }
    }

    var baseURL: String { "http://127.0.0.1:\(value)" }
}

/// Routes each request by path to the API, the CBUI, the certificate or the admin endpoints.
final class SandboxRouter: Sendable {
    let boundPort = BoundPort()
    let identity: SigningIdentity
    let api: APIService
    let cbui: CBUIService
    /// The test controls; nil when `allowAdmin` is off.
    let admin: AdminService?
    let faults: FaultInjector
    let log: @Sendable (String) -> Void

    init(store: SandboxStore, identity: SigningIdentity, clock: SandboxClock, configuration: SandboxConfiguration) {
        let boundPort = self.boundPort
        let directory = identity.directory
        self.identity = identity
        api = APIService(store: store, identity: identity, pendingSeconds: configuration.pendingSeconds,
                         clock: { clock.now }, wallClock: configuration.clock,
                         log: configuration.log, port: { boundPort.value })
        let faults = FaultInjector(configuration.faults)
        self.faults = faults
        log = configuration.log
        admin = configuration.allowAdmin ? AdminService(clock: clock, faults: faults, log: configuration.log) : nil
        cbui = CBUIService(store: store, identity: identity, clock: { clock.now }, log: configuration.log,
                           port: { boundPort.value },
                           certificateURL: { "\(boundPort.baseURL)/fps/certs/\(directory)/PKICert.pem" })
    }

    var certificatePath: String { "/fps/certs/\(identity.directory)/PKICert.pem" }

    var certificateURL: String { boundPort.baseURL + certificatePath }

    func route(_ request: ServerRequest) -> ServerResponse {
        switch request.path {
        case "/":
            return handleAPI(request)
        case CBUIService.startPath:
            return cbui.start(request)
        case CBUIService.decidePath:
            return cbui.decide(request)
        case AdminService.clockPath where admin != nil:
            return admin!.clockRequest(request)
        case AdminService.faultsPath where admin != nil:
            return admin!.faultsRequest(request)
        case certificatePath:
            guard request.method == "GET" else { return .text(405, "The certificate is served with GET only.") }
            return ServerResponse(status: 200, contentType: "application/x-pem-file", body: identity.certificatePEM)
        default:
            return .text(404, "Not found: \(request.path.prefix(100)). The sandbox serves / (API), \(CBUIService.startPath) and \(certificateURL).")
        }
    }

    /// Runs one API request through fault injection: an optional delay, an injected error in
    /// place of the request, or a lost response after the request has committed.
    private func handleAPI(_ request: ServerRequest) -> ServerResponse {
        let decision = faults.decide()
        if decision.hangs {
            log("sandbox fault injection: draw \(decision.draw) holds the request for \(decision.delaySeconds) s before running it")
        }
        if decision.delaySeconds > 0 {
            faults.wait(seconds: decision.delaySeconds)
        }
        if let error = decision.error {
            let requestID = RequestID.make()
            log("sandbox fault injection: draw \(decision.draw) rejected request \(requestID) with HTTP \(error.httpStatus) \(error.code)")
            return ServerResponse(status: error.httpStatus, contentType: "text/xml; charset=utf-8",
                                  body: APIDocument.error(code: error.code, message: error.message, requestID: requestID))
        }
        let response = api.handle(request)
        guard decision.dropResponse, response.status == 200 else { return response }

        let style = faults.faults.dropStyle
        log("sandbox fault injection: draw \(decision.draw) committed the request and dropped its response (\(style.rawValue))")
        switch style {
        case .closeConnection:
            return .droppedConnection
        case .emptyInternalError:
            return ServerResponse(status: 500, contentType: "text/plain", body: "")
        }
    }
}

import Foundation
import FPSClient

/// Settings for one sandbox server.
public struct SandboxConfiguration: Sendable {
    /// The loopback port to bind; 0 picks a free port.
    public var port: UInt16 = 0
    /// The SQLite file with the sandbox state; created if missing.
    public var dataPath: String
    /// Seconds that Pay, Reserve and Settle stay Pending before their final status; 0 answers
    /// with the final status at once.
    public var pendingSeconds: Double = 0
    /// libmicrohttpd worker threads.
    public var threads: UInt32 = 2
    /// The sandbox's clock for timestamps, token expiry and pending transitions.
    public var clock: @Sendable () -> Date = { Date() }
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
/// the signing certificate and the API actions Pay, Reserve, Settle and GetTransactionStatus.
///
/// State lives in the SQLite file of the configuration, so a server restarted on the same
/// file keeps its callers, signing key, tokens and transactions.
public final class SandboxServer: @unchecked Sendable {
    /// The demo caller's access key id, always registered.
    public static let demoAccessKeyID = "AKSANDBOXDEMO0000001"
    /// The demo caller's secret key. It is public test data for the local sandbox only; the
    /// `/` and `+` in it exercise percent-encoding in clients.
    public static let demoSecretKey = "fpsSandboxDemoSecret/NotForProduction+00"

    public let configuration: SandboxConfiguration
    let store: SandboxStore
    let identity: SigningIdentity
    private let lock = NSLock()
    private var boundPort: UInt16 = 0
    private var http: LoopbackHTTPServer?
    private var api: APIService!
    private var cbui: CBUIService!

    /// Opens or creates the data file, registers the demo caller, and loads the signing key or
    /// generates one on first use.
    public init(configuration: SandboxConfiguration) throws {
        self.configuration = configuration
        let now = configuration.clock()
        do {
            store = try SandboxStore(path: configuration.dataPath)
            try store.registerCaller(accessKeyID: Self.demoAccessKeyID, secretKey: Self.demoSecretKey,
                                     description: "demo caller", now: now)
            identity = try store.loadOrCreateSigningIdentity(now: now)
        } catch {
            throw SandboxError.storage("\(configuration.dataPath): \(error)")
        }
        let port: @Sendable () -> UInt16 = { [unowned self] in self.port }
        api = APIService(store: store, pendingSeconds: configuration.pendingSeconds, clock: configuration.clock,
                         log: configuration.log, port: port)
        cbui = CBUIService(store: store, identity: identity, clock: configuration.clock, log: configuration.log,
                           port: port, certificateURL: { [unowned self] in self.certificateURL })
    }

    deinit {
        stop()
    }

    /// Registers or replaces a caller whose requests the sandbox accepts.
    public func registerCaller(accessKeyID: String, secretKey: String, description: String? = nil) throws {
        do {
            try store.registerCaller(accessKeyID: accessKeyID, secretKey: secretKey, description: description,
                                     now: configuration.clock())
        } catch {
            throw SandboxError.storage("\(error)")
        }
    }

    /// Starts serving on 127.0.0.1 and returns the bound port. Calling it again while running returns the same port.
    @discardableResult
    public func start() throws -> UInt16 {
        try lock.withLock {
            if http != nil { return boundPort }
            let server = LoopbackHTTPServer { [unowned self] request in self.route(request) }
            let port = try server.start(port: configuration.port, threads: max(1, configuration.threads))
            http = server
            boundPort = port
            configuration.log("sandbox listening on http://127.0.0.1:\(port) (data \(configuration.dataPath))")
            return port
        }
    }

    /// Stops serving; returns after in-flight requests have finished. The server can be started again.
    public func stop() {
        lock.withLock {
            guard let server = http else { return }
            server.stop()
            http = nil
            configuration.log("sandbox on port \(boundPort) stopped")
        }
    }

    /// The bound port, or 0 before the first start.
    public var port: UInt16 { lock.withLock { boundPort } }

    /// `http://127.0.0.1:<port>`, the API endpoint without its trailing `/`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The CBUI pipeline start URL that merchants sign and send buyers to.
    public var cbuiURL: String { baseURL + CBUIService.startPath }

    /// The URL of the certificate whose key signs return redirects.
    public var certificateURL: String { "\(baseURL)/fps/certs/\(identity.directory)/PKICert.pem" }

    /// The PEM of the certificate served at `certificateURL`.
    public var certificatePEM: String { identity.certificatePEM }

    private func route(_ request: ServerRequest) -> ServerResponse {
        switch request.path {
        case "/":
            return api.handle(request)
        case CBUIService.startPath:
            return cbui.start(request)
        case CBUIService.decidePath:
            return cbui.decide(request)
        case "/fps/certs/\(identity.directory)/PKICert.pem":
            guard request.method == "GET" else { return .text(405, "The certificate is served with GET only.") }
            return ServerResponse(status: 200, contentType: "application/x-pem-file", body: identity.certificatePEM)
        default:
            return .text(404, "Not found: \(request.path.prefix(100)). The sandbox serves / (API), \(CBUIService.startPath) and \(certificateURL).")
        }
    }
}

import Checkout
import Console
import FPSClient
import Foundation
import Ledger
import Sandbox
import Synchronization

/// The default command: opens the checkout console, on the embedded sandbox unless an
/// external endpoint is configured.
enum ConsoleCommand {
    static func run(_ settings: Settings) throws -> Int32 {
        try createParentDirectory(of: settings.ledgerPath)
        let ledger = try Ledger(path: settings.ledgerPath)
        let log = try settings.logPath.map { path in
            try FileLog(path: path, secrets: [settings.external?.credentials.secretKey].compactMap { $0 })
        }
        log?.info("fps-checkout starting: desk \(settings.desk), clerk \(settings.clerk), ledger \(settings.ledgerPath), TERM \(ProcessInfo.processInfo.environment["TERM"] ?? "unset")")

        // With no endpoint configured, start the sandbox in this process on a free loopback port.
        var sandbox: SandboxServer?
        let endpoints: FPSEndpoints
        let credentials: FPSCredentials
        if let external = settings.external {
            endpoints = external.endpoints
            credentials = external.credentials
        } else {
            try createParentDirectory(of: settings.sandboxDataPath)
            var configuration = SandboxConfiguration(dataPath: settings.sandboxDataPath)
            configuration.pendingSeconds = settings.pendingSeconds
            if let log { configuration.log = { line in log.info("sandbox: \(line)") } }
            let server = try SandboxServer(configuration: configuration)
            let port = try server.start()
            sandbox = server
            endpoints = .localSandbox(port: Int(port))
            credentials = FPSCredentials(accessKeyID: SandboxServer.demoAccessKeyID, secretKey: SandboxServer.demoSecretKey)
        }
        defer { sandbox?.stop() }
        log?.info("FPS endpoint \(endpoints.api.absoluteString) (\(endpoints.isSandbox ? "SANDBOX" : "LIVE")), access key id \(credentials.accessKeyID)")

        let transport = URLSessionTransport(timeoutSeconds: 10)
        let relay = FPSEventRelay()
        let client = FPSAPIClient(endpoint: endpoints.api, credentials: credentials, transport: transport,
                                  events: relay.sink)
        let verifier = ReturnURIVerifier(certificateAllowList: endpoints.certificateAllowList, transport: transport)
        let checkoutConfiguration = CheckoutConfiguration(endpoints: endpoints, credentials: credentials, desk: settings.desk, clerk: settings.clerk)
        let session = CheckoutSession(configuration: checkoutConfiguration, client: client, verifier: verifier, ledger: ledger)
        relay.connect { event in
            session.recordEvent(event)
            log?.info("\(event.kind.rawValue): \(event.text)")
        }
        if let log { logStateChanges(of: session, to: log) }

        var consoleConfiguration = ConsoleConfiguration()
        consoleConfiguration.themeName = settings.themeName
        consoleConfiguration.noColor = settings.noColor
        consoleConfiguration.themesDirectories = themeDirectories()
        // stderr goes to the log while the screen is up, or nowhere when logging is off.
        consoleConfiguration.stderrPath = settings.logPath
        consoleConfiguration.idleLockMinutes = settings.idleLockMinutes
        consoleConfiguration.desk = settings.desk
        if sandbox != nil {
            // Playing the customer talks only to the embedded sandbox on loopback.
            consoleConfiguration.playCustomer = { url in
                try await SandboxCustomer.approve(cbuiURL: url, transport: URLSessionTransport(timeoutSeconds: 10))
            }
        }
        let status = ConsoleApp.run(session: session, configuration: consoleConfiguration)
        log?.info("fps-checkout stopped with exit status \(status)")
        return status
    }

    /// Logs each phase change and each new notice, once.
    private static func logStateChanges(of session: CheckoutSession, to log: FileLog) {
        let last = Mutex<(phase: String, notice: String?)>(("", nil))
        session.observe { state in
            let phase = "order \(state.orderID) \(state.phase.rawValue)"
            let changed = last.withLock { previous -> (phase: Bool, notice: Bool) in
                defer { previous = (phase, state.notice) }
                return (previous.phase != phase, previous.notice != state.notice && state.notice != nil)
            }
            if changed.phase { log.info(phase) }
            if changed.notice, let notice = state.notice {
                if state.noticeIsProblem { log.error(notice) } else { log.info(notice) }
            }
        }
    }

    static func keyTableMarkdown() -> String {
        ConsoleApp.keyTableMarkdown()
    }

    /// Folders searched for `*.theme` files: beside the executable, its parent folders up to
    /// the package root (for `swift run`), and the current directory.
    static func themeDirectories() -> [String] {
        var directories: [String] = []
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            directories.append(folder.appendingPathComponent("Themes").path)
            folder = folder.deletingLastPathComponent()
        }
        directories.append(FileManager.default.currentDirectoryPath + "/Themes")
        // `swift run` from the package root reaches the same folder both ways; list it once.
        var seen = Set<String>()
        return directories.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
    }
}

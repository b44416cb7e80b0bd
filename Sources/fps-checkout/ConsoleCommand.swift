import Checkout
import Console
import FPSClient
import Foundation
import Ledger
import Sandbox

/// The default command: opens the checkout console, on the embedded sandbox unless an
/// external endpoint is configured.
enum ConsoleCommand {
    static func run(_ settings: Settings) throws -> Int32 {
        try createParentDirectory(of: settings.ledgerPath)
        let ledger = try Ledger(path: settings.ledgerPath)

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
            let server = try SandboxServer(configuration: configuration)
            let port = try server.start()
            sandbox = server
            endpoints = .localSandbox(port: Int(port))
            credentials = FPSCredentials(accessKeyID: SandboxServer.demoAccessKeyID, secretKey: SandboxServer.demoSecretKey)
        }
        defer { sandbox?.stop() }

        let transport = URLSessionTransport(timeoutSeconds: 10)
        let relay = FPSEventRelay()
        let client = FPSAPIClient(endpoint: endpoints.api, credentials: credentials, transport: transport,
                                  events: relay.sink)
        let verifier = ReturnURIVerifier(certificateAllowList: endpoints.certificateAllowList, transport: transport)
        let checkoutConfiguration = CheckoutConfiguration(endpoints: endpoints, credentials: credentials, desk: settings.desk)
        let session = try CheckoutSession(configuration: checkoutConfiguration, client: client, verifier: verifier, ledger: ledger)
        relay.connect(session.recordEvent)

        var consoleConfiguration = ConsoleConfiguration()
        consoleConfiguration.themeName = settings.themeName
        consoleConfiguration.noColor = settings.noColor
        consoleConfiguration.themesDirectories = themeDirectories()
        if sandbox != nil {
            // Playing the customer talks only to the embedded sandbox on loopback.
            consoleConfiguration.playCustomer = { url in
                try await SandboxCustomer.approve(cbuiURL: url, transport: URLSessionTransport(timeoutSeconds: 10))
            }
        }
        return ConsoleApp.run(session: session, configuration: consoleConfiguration)
    }

    static func keyTableMarkdown() -> String {
        ConsoleApp.keyTableMarkdown()
    }

    /// Folders searched for `*.theme` files: beside the executable, its parent folders up to
    /// the package root (for `swift run`), and the current directory.
    private static func themeDirectories() -> [String] {
        var directories: [String] = []
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            directories.append(folder.appendingPathComponent("Themes").path)
            folder = folder.deletingLastPathComponent()
        }
        directories.append(FileManager.default.currentDirectoryPath + "/Themes")
        return directories
    }
}

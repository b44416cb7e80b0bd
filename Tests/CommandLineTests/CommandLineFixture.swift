import Checkout
import FPSClient
import Foundation
import Sandbox

/// A sandbox started in this process on 127.0.0.1 with its own temporary data file, and the
/// environment that points the `fps-checkout` binary at it.
final class CommandLineFixture: @unchecked Sendable {
    let directory: URL
    let server: SandboxServer
    let secretKeyPath: String
    let returnURL = "https://shop.example/return"

    init(pendingSeconds: Double = 0) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        secretKeyPath = directory.appendingPathComponent("secret-key").path
        // The binary rejects a key file that group or others can read, so it is created with mode 600.
        guard FileManager.default.createFile(atPath: secretKeyPath, contents: Data((SandboxServer.demoSecretKey + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ProcessRunnerError(description: "could not create \(secretKeyPath)")
        }
        var configuration = SandboxConfiguration(dataPath: directory.appendingPathComponent("sandbox.sqlite").path)
        configuration.pendingSeconds = pendingSeconds
        server = try SandboxServer(configuration: configuration)
        try server.start()
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// FPS_ENDPOINT, FPS_ACCESS_KEY_ID and FPS_SECRET_KEY_FILE for this sandbox, and a HOME
    /// inside the temporary folder.
    var environment: [String: String] {
        [
            "HOME": directory.path,
            "FPS_ENDPOINT": server.baseURL + "/",
            "FPS_ACCESS_KEY_ID": SandboxServer.demoAccessKeyID,
            "FPS_SECRET_KEY_FILE": secretKeyPath,
        ]
    }

    func run(_ arguments: String..., environment: [String: String]? = nil, stdin: String = "") throws -> CommandResult {
        try ProcessRunner.run(arguments, environment: environment ?? self.environment, stdin: stdin)
    }

    /// Builds a CBUI URL with the binary, approves it as the customer and verifies the return
    /// URI with the binary. Returns the token id that verify-return printed.
    func authorizedToken(callerReference: String, amount: String, reserve: Bool = false) async throws -> String {
        let reserveFlag = reserve ? ["--reserve"] : []
        let built = try ProcessRunner.run(["cbui-url", "--caller-reference", callerReference, "--amount", amount,
                                           "--return-url", returnURL, "--reason", "Phone order", "--json"] + reserveFlag,
                                          environment: environment)
        guard built.status == 0, let url = built.json["url"] as? String else {
            throw ProcessRunnerError(description: "cbui-url failed: \(built.transcript)")
        }
        let returnURI = try await SandboxCustomer.approve(cbuiURL: url, transport: URLSessionTransport(timeoutSeconds: 10))
        let verified = try ProcessRunner.run(["verify-return", returnURI, "--caller-reference", callerReference, "--json"] + reserveFlag,
                                             environment: environment)
        guard verified.status == 0, let token = verified.json["tokenId"] as? String else {
            throw ProcessRunnerError(description: "verify-return failed: \(verified.transcript)")
        }
        return token
    }

    /// Returns a loopback URL where nothing listens: a port this process bound and then released.
    static func closedEndpoint() throws -> String {
        let probe = try SandboxServer(configuration: SandboxConfiguration(
            dataPath: FileManager.default.temporaryDirectory.appendingPathComponent("cli-probe-\(UUID().uuidString).sqlite").path))
        let port = try probe.start()
        probe.stop()
        try? FileManager.default.removeItem(atPath: probe.configuration.dataPath)
        return "http://127.0.0.1:\(port)/"
    }
}

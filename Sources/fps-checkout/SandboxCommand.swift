import Dispatch
import FPSClient
import Foundation
import Sandbox

/// `fps-checkout sandbox`: runs the FPS-compatible sandbox alone until interrupted.
enum SandboxCommand {
    static let options: [OptionSpec] = [
        OptionSpec(name: "port", valueName: "PORT", help: "Loopback port to listen on (default 0: a free port)."),
        OptionSpec(name: "data", valueName: "PATH", help: "SQLite file for tokens and transactions (default $XDG_DATA_HOME/fps-checkout/sandbox.sqlite)."),
        OptionSpec(name: "pending-seconds", valueName: "SECONDS", help: "How long Pay, Reserve and Settle stay Pending before their final status (default 0)."),
    ]

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws -> Int32 {
        let portText = arguments.value("port") ?? "0"
        guard let port = UInt16(portText) else {
            throw ArgumentError(description: "--port \"\(portText)\" is invalid: give a port number from 0 to 65535.")
        }
        let pendingText = arguments.value("pending-seconds") ?? "0"
        guard let pending = Double(pendingText), pending >= 0, pending <= 600 else {
            throw ArgumentError(description: "--pending-seconds \"\(pendingText)\" is invalid: give a number of seconds from 0 to 600.")
        }
        let dataPath = arguments.value("data") ?? "\(Settings.defaultDataDirectory(environment: environment))/sandbox.sqlite"
        try createParentDirectory(of: dataPath)

        var configuration = SandboxConfiguration(dataPath: dataPath)
        configuration.port = port
        configuration.pendingSeconds = pending
        let server = try SandboxServer(configuration: configuration)
        _ = try server.start()

        // The demo key pair is public test data that only this sandbox accepts, so it is printed whole.
        print("""
        FPS sandbox listening on \(server.baseURL) (loopback only)
          API:          \(server.baseURL)/
          CBUI start:   \(server.baseURL)/cobranded-ui/actions/start
          Certificate:  \(server.certificateURL)
          Data:         \(dataPath)
        Demo caller credentials (accepted by this sandbox only):
          FPS_ACCESS_KEY_ID=\(SandboxServer.demoAccessKeyID)
          FPS_SECRET_KEY=\(SandboxServer.demoSecretKey)
        Point a console at it with FPS_ENDPOINT=\(server.baseURL)/ and the two values above.
        Press Ctrl-C to stop.
        """)
        fflush(nil)
        waitForTerminationSignal()
        server.stop()
        print("FPS sandbox stopped.")
        return 0
    }

    /// Blocks until SIGINT or SIGTERM arrives.
    private static func waitForTerminationSignal() {
        let semaphore = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { semaphore.signal() }
            source.resume()
            sources.append(source)
        }
        semaphore.wait()
        sources.forEach { $0.cancel() }
    }
}

/// Creates the folder that will hold `path`, with mode 700 because it stores money records.
func createParentDirectory(of path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    guard !directory.isEmpty else { return }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
}

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
        OptionSpec(name: "faults", valueName: "SPEC", help: "Inject failures into API requests, as comma-separated name=value pairs: error500, error503, hang, dropAfterCommit (fractions 0 to 1), hangSeconds (0 to 600), slowMilliseconds (0 to 60000), dropStyle (close or empty500), seed (unsigned integer). Example: error503=0.2,dropAfterCommit=0.3,seed=42 (default: none)."),
        OptionSpec(name: "clock-offset", valueName: "SECONDS", help: "Start the sandbox's business time this many seconds ahead of the wall clock, from 0 to 315360000 (default 0)."),
        OptionSpec(name: "threads", valueName: "COUNT", help: "HTTP worker threads, 1 to 64; raise it when injected hangs overlap (default 2)."),
    ]

    /// Parses `--faults`: comma-separated `name=value` pairs with the names and ranges of
    /// `POST /admin/faults`. An empty spec injects nothing.
    static func parseFaults(_ spec: String) throws(ArgumentError) -> SandboxFaults {
        var faults = SandboxFaults()
        var seen: Set<String> = []
        for pair in spec.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard parts.count == 2 else {
                throw ArgumentError(description: "--faults entry \"\(pair)\" is invalid: write name=value, such as error503=0.2.")
            }
            let text = parts[1].trimmingCharacters(in: .whitespaces)
            guard seen.insert(name).inserted else {
                throw ArgumentError(description: "--faults sets \(name) twice; keep one.")
            }
            func number(_ range: ClosedRange<Double>, _ hint: String) throws(ArgumentError) -> Double {
                guard let value = Double(text), range.contains(value) else {
                    throw ArgumentError(description: "--faults \(name) \"\(text)\" is invalid: give \(hint).")
                }
                return value
            }
            switch name {
            case "error500": faults.error500 = try number(0...1, "a fraction from 0 to 1")
            case "error503": faults.error503 = try number(0...1, "a fraction from 0 to 1")
            case "hang": faults.hang = try number(0...1, "a fraction from 0 to 1")
            case "dropAfterCommit": faults.dropAfterCommit = try number(0...1, "a fraction from 0 to 1")
            case "hangSeconds": faults.hangSeconds = try number(0...600, "seconds from 0 to 600")
            case "slowMilliseconds":
                guard let value = Int(text), (0...60_000).contains(value) else {
                    throw ArgumentError(description: "--faults slowMilliseconds \"\(text)\" is invalid: give whole milliseconds from 0 to 60000.")
                }
                faults.slowMilliseconds = value
            case "dropStyle":
                guard let style = SandboxFaults.DropStyle(rawValue: text) else {
                    throw ArgumentError(description: "--faults dropStyle \"\(text)\" is invalid: give close or empty500.")
                }
                faults.dropStyle = style
            case "seed":
                guard let seed = UInt64(text) else {
                    throw ArgumentError(description: "--faults seed \"\(text)\" is invalid: give an unsigned 64-bit integer.")
                }
                faults.seed = seed
            default:
                throw ArgumentError(description: "--faults has unknown name \"\(name)\"; known: dropAfterCommit, dropStyle, error500, error503, hang, hangSeconds, seed, slowMilliseconds.")
            }
        }
        return faults
    }

    /// Describes the injected faults in the `--faults` syntax, or "none".
    static func describe(_ faults: SandboxFaults) -> String {
        var parts: [String] = []
        if faults.error500 > 0 { parts.append("error500=\(faults.error500)") }
        if faults.error503 > 0 { parts.append("error503=\(faults.error503)") }
        if faults.hang > 0 { parts.append("hang=\(faults.hang),hangSeconds=\(faults.hangSeconds)") }
        if faults.slowMilliseconds > 0 { parts.append("slowMilliseconds=\(faults.slowMilliseconds)") }
        if faults.dropAfterCommit > 0 { parts.append("dropAfterCommit=\(faults.dropAfterCommit),dropStyle=\(faults.dropStyle.rawValue)") }
        return parts.isEmpty ? "none" : (parts + ["seed=\(faults.seed)"]).joined(separator: ",")
    }

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws -> Int32 {
        let portText = arguments.value("port") ?? "0"
        guard let port = UInt16(portText) else {
            throw ArgumentError(description: "--port \"\(portText)\" is invalid: give a port number from 0 to 65535.")
        }
        let pendingText = arguments.value("pending-seconds") ?? "0"
        guard let pending = Double(pendingText), pending >= 0, pending <= 600 else {
            throw ArgumentError(description: "--pending-seconds \"\(pendingText)\" is invalid: give a number of seconds from 0 to 600.")
        }
        let faults = try parseFaults(arguments.value("faults") ?? "")
        let offsetText = arguments.value("clock-offset") ?? "0"
        guard let offset = Double(offsetText), offset >= 0, offset <= 315_360_000 else {
            throw ArgumentError(description: "--clock-offset \"\(offsetText)\" is invalid: give seconds from 0 to 315360000 (10 years).")
        }
        let threadsText = arguments.value("threads") ?? "2"
        guard let threads = UInt32(threadsText), (1...64).contains(threads) else {
            throw ArgumentError(description: "--threads \"\(threadsText)\" is invalid: give a whole number from 1 to 64.")
        }
        let dataPath = arguments.value("data") ?? "\(Settings.defaultDataDirectory(environment: environment))/sandbox.sqlite"
        try createParentDirectory(of: dataPath)

        var configuration = SandboxConfiguration(dataPath: dataPath)
        configuration.port = port
        configuration.pendingSeconds = pending
        configuration.faults = faults
        configuration.clockOffsetSeconds = offset
        configuration.threads = threads
        // Starts, stops, injected faults and internal errors go to stderr, one line each.
        configuration.log = { line in FileHandle.standardError.write(Data("\(line)\n".utf8)) }
        let server = try SandboxServer(configuration: configuration)
        _ = try server.start()

        // The demo key pair is public test data that only this sandbox accepts, so it is printed whole.
        print("""
        FPS sandbox listening on \(server.baseURL) (loopback only)
          API:          \(server.baseURL)/
          CBUI start:   \(server.baseURL)/cobranded-ui/actions/start
          Certificate:  \(server.certificateURL)
          Data:         \(dataPath)
          Faults:       \(describe(faults))
          Clock offset: \(offsetText) s
        Admin endpoints (test controls; every POST needs the header X-Sandbox-Admin-Secret: <the demo secret key below>):
          \(server.baseURL)/admin/faults  GET reads, POST replaces the injected faults (same names as --faults)
          \(server.baseURL)/admin/clock   GET reads, POST advance=SECONDS or set=ISO8601 moves business time
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

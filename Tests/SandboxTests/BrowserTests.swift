import Foundation
import FPSClient
import Testing
@testable import Sandbox

/// The CBUI page rendered by a real browser: Debian's headless Chromium, loading only the
/// sandbox on 127.0.0.1.
///
/// Set `CBUI_SCREENSHOT_PATH` to also copy the screenshot there (the repository keeps one as
/// docs/cbui-page.png).
@Suite("Sandbox CBUI in Chromium", .enabled(if: Chromium.isInstalled,
                                            "Chromium is not installed at /usr/bin/chromium; install Debian's chromium package to run these tests."))
struct BrowserTests {
    /// Builds the signed SingleUse URL the checkout console would open, with the demo credentials.
    private func pipelineURL(_ sandbox: SandboxHarness, callerReference: String) -> String {
        CBUIPipeline.singleUseURL(
            endpoint: URL(string: sandbox.server.cbuiURL)!,
            credentials: FPSCredentials(accessKeyID: SandboxServer.demoAccessKeyID, secretKey: SandboxServer.demoSecretKey),
            callerReference: callerReference, returnURL: "http://127.0.0.1:9/return?order=1042",
            amount: Money(minorUnits: 4250), paymentReason: "2 phone cases and a USB-C charger", reserve: false)
    }

    @Test("screenshot of the pipeline page")
    func screenshot() async throws {
        let sandbox = try SandboxHarness()
        let output = sandbox.directory.appendingPathComponent("cbui.png")

        let run = try await Chromium.run(["--screenshot=\(output.path)", "--window-size=1000,800",
                                          pipelineURL(sandbox, callerReference: "browser-shot")],
                                         profile: sandbox.directory.appendingPathComponent("chromium-profile"))

        #expect(run.exitCode == 0, "Chromium failed: \(run.standardError.suffix(600))")
        let png = try Data(contentsOf: output)
        // Chromium 156's screenshot of a blank 1000×800 page is about 4 KB and of this page
        // about 68 KB, so 10 KB separates a rendered form from an empty page.
        #expect(png.count > 10_000)
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let size = try #require(Chromium.pngSize(png))
        #expect(size.width == 1000)
        #expect(size.height == 800)

        if let copy = ProcessInfo.processInfo.environment["CBUI_SCREENSHOT_PATH"], !copy.isEmpty {
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(at: output, to: URL(fileURLWithPath: copy))
        }
    }

    @Test("rendered DOM shows amount and form, then approval redirects")
    func renderedFormApproves() async throws {
        let sandbox = try SandboxHarness()

        let run = try await Chromium.run(["--dump-dom", pipelineURL(sandbox, callerReference: "browser-dom")],
                                         profile: sandbox.directory.appendingPathComponent("chromium-profile"))

        #expect(run.exitCode == 0, "Chromium failed: \(run.standardError.suffix(600))")
        let dom = TestResponse(status: 200, headers: [:], body: run.standardOutput)
        #expect(dom.body.contains("<h1>Authorize a payment</h1>"))
        #expect(dom.body.contains(#"<p class="amount">USD 42.50</p>"#))
        #expect(dom.body.contains("2 phone cases and a USB-C charger"))
        #expect(dom.body.contains(#"<form method="post" action="/cobranded-ui/actions/decide">"#))
        #expect(dom.body.contains(#"value="CC" checked"#))
        #expect(dom.body.contains(#"value="approve""#))

        // Chromium cannot submit the form from the command line, so the test posts what the
        // Approve button sends and checks the signed return redirect.
        let requestID = try #require(dom.firstMatch(#"name="request" value="([A-Z0-9]+)""#))
        let decided = try await sandbox.send("POST", "/cobranded-ui/actions/decide",
                                             body: "request=\(requestID)&paymentMethod=CC&testOutcome=&decision=approve")
        #expect(decided.status == 302)
        let location = try #require(decided.headers["location"])
        let redirect = try ReturnRedirect(location)
        #expect(redirect.endpoint == "http://127.0.0.1:9/return")
        #expect(redirect.values["order"] == "1042")
        #expect(redirect.values["status"] == "SC")
        #expect(redirect.values["callerReference"] == "browser-dom")
        #expect(redirect.values["tokenID"]?.count == 64)
    }
}

/// Runs Debian's Chromium headless against loopback URLs only.
enum Chromium {
    static let path = "/usr/bin/chromium"

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Switches that turn off Chromium's first-run pages, extensions, background requests,
    /// component updates, sync, metrics upload and proxy, so it loads only the URL it is given.
    /// `--no-sandbox` is needed because the tests may run as root, which Chromium's sandbox rejects.
    static let isolation = [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--metrics-recording-only", "--no-default-browser-check", "--no-proxy-server",
    ]

    struct Run: Sendable {
        let exitCode: Int32
        let standardOutput: String
        let standardError: String
    }

    /// Runs Chromium with `arguments` and a fresh profile directory, and kills it after 90 seconds.
    static func run(_ arguments: [String], profile: URL) async throws -> Run {
        for argument in arguments where argument.hasPrefix("http") {
            precondition(argument.hasPrefix("http://127.0.0.1:"), "Chromium tests load loopback URLs only")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = isolation + ["--user-data-dir=\(profile.path)"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()

        // Both pipes are drained while Chromium runs, so a full pipe buffer cannot block it.
        async let outputData = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        async let errorData = Task.detached { errors.fileHandleForReading.readDataToEndOfFile() }.value
        let watchdog = Task.detached {
            try await Task.sleep(for: .seconds(90))
            if process.isRunning { process.terminate() }
        }
        let (standardOutput, standardError) = await (outputData, errorData)
        process.waitUntilExit()
        watchdog.cancel()
        return Run(exitCode: process.terminationStatus,
                   standardOutput: String(decoding: standardOutput, as: UTF8.self),
                   standardError: String(decoding: standardError, as: UTF8.self))
    }

    /// Reads width and height from a PNG's IHDR chunk, which always follows the 8-byte signature.
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
        func bigEndian(_ offset: Int) -> Int {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        return (bigEndian(16), bigEndian(20))
    }
}

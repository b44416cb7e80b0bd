import FPSClient
import Foundation
import SQLiteStore

/// One `fps-checkout` console in tmux with its own ledger, sandbox data and HOME in a
/// temporary folder, removed when the value goes away.
final class ConsoleUnderTest {
    let tmux: TmuxSession
    let directory: URL

    /// `ledgerPath` points the console at a ledger outside its folder, so a second console can
    /// open the ledger that a killed one left behind. Without it, each console has its own.
    private init(width: Int, height: Int, extraArguments: String, environment: String, ledgerPath: String?) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fps-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let binary = try Self.binaryPath()
        let home = directory.path
        // A short Pending phase, so the live status polling is on screen but tests stay quick.
        let command = "env -i HOME=\(home) PATH=/usr/bin:/bin LANG=C.UTF-8 TERM=tmux-256color \(environment) "
            + "\(binary) --ledger \(ledgerPath ?? "\(home)/ledger.sqlite") --sandbox-data \(home)/sandbox.sqlite --pending-seconds 1 \(extraArguments)"
        tmux = try TmuxSession(command: command, width: width, height: height, directory: directory)
    }

    /// Starts the console and waits for its first screen.
    static func start(width: Int = 100, height: Int = 30, extraArguments: String = "", environment: String = "",
                      ledgerPath: String? = nil) async throws -> ConsoleUnderTest {
        let console = try ConsoleUnderTest(width: width, height: height, extraArguments: extraArguments, environment: environment,
                                           ledgerPath: ledgerPath)
        // The first start generates the sandbox's RSA key, which takes seconds on a loaded machine.
        try await console.tmux.waitFor(text: "[SANDBOX]", timeout: 60)
        return console
    }

    deinit {
        tmux.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Types one order line into the order-entry fields and adds it with Enter.
    func enterLine(_ description: String, quantity: String, price: String) async throws {
        try tmux.type(description)
        try tmux.send("Tab")
        try tmux.type(quantity)
        try tmux.send("Tab")
        try tmux.type(price)
        try tmux.send("Enter")
        // The typed description shows in its field at once; the added line shows as a
        // numbered row such as "2.  Blue mug" only once the checkout has taken it.
        try await tmux.waitFor("order line \"\(description)\"") { screen in
            screen.split(separator: "\n").contains { row in
                let parts = row.split(separator: " ", maxSplits: 1)
                return parts.count == 2 && parts[0].hasSuffix(".") && Int(parts[0].dropLast()) != nil
                    && parts[1].trimmingCharacters(in: .whitespaces).hasPrefix(description)
            }
        }
    }

    /// Returns the visible screen with its SGR escape sequences (`capture-pane -e`), for checks on colour.
    func screenWithEscapes() throws -> String {
        let output = directory.appendingPathComponent("capture-escapes.txt")
        let socket = directory.appendingPathComponent("tmux.sock").path
        let status = try spawnAndWait(["/usr/bin/tmux", "-S", socket, "capture-pane", "-p", "-e", "-t", "checkout"], stdoutPath: output.path)
        guard status == 0 else { throw TmuxError("tmux capture-pane -e exited with status \(status)") }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Runs a count query on the sandbox's own SQLite file.
    func sandboxCount(_ sql: String) throws -> Int64 {
        let database = try SQLiteDatabase(path: directory.appendingPathComponent("sandbox.sqlite").path)
        return try database.query(sql).first.flatMap { $0.columns.values.first?.integer } ?? -1
    }

    /// Reads the signed CBUI URL back from the screen: it starts at `http://` below the
    /// URL pane's title and continues, wrapped by character, until a row that is not part of
    /// it. A URL has no spaces, so the first empty row or row with a space ends it.
    static func cbuiURL(onScreen screen: String) -> String? {
        let rows = screen.components(separatedBy: "\n")
        guard let start = rows.firstIndex(where: { $0.hasPrefix("http://127.0.0.1:") }) else { return nil }
        var url = ""
        for row in rows[start...] {
            let trimmed = row.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.contains(" ") { break }
            url += trimmed
        }
        return url
    }

    /// The built `fps-checkout` binary beside the test bundle, or in `.build/debug` of the package.
    static func binaryPath() throws -> String {
        let possible: [String?] = [
            Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("fps-checkout").path,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fps-checkout").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug/fps-checkout").path,
        ]
        let candidates = possible.compactMap { $0 }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TmuxError("fps-checkout binary not found; run `swift build` first. Looked in: \(candidates)")
        }
        return found
    }
}

/// A customer's browser, reduced to what the sandbox's payment page needs: load the page,
/// submit the approval form, and read where the redirect points.
enum Browser {
    static func approve(cbuiURL: String) async throws -> String {
        let transport = URLSessionTransport(timeoutSeconds: 10)
        let page = try await transport.send(HTTPRequest(method: "GET", url: URL(string: cbuiURL)!, headers: [:], body: nil))
        guard page.status == 200 else { throw TmuxError("CBUI page answered HTTP \(page.status)") }
        let html = String(decoding: page.body, as: UTF8.self)

        guard let action = firstMatch(#"<form method="post" action="([^"]+)""#, in: html),
              let request = firstMatch(#"name="request" value="([^"]+)""#, in: html) else {
            throw TmuxError("CBUI page has no approval form:\n\(html.prefix(2000))")
        }
        let formURL = URL(string: action, relativeTo: URL(string: cbuiURL)!)!.absoluteURL
        let body = "request=\(PercentEncoding.encode(request))&paymentMethod=CC&decision=approve"
        let answer = try await transport.send(HTTPRequest(method: "POST", url: formURL,
                                                          headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(body.utf8)))
        guard (300...399).contains(answer.status),
              let location = answer.headers.first(where: { $0.key.lowercased() == "location" })?.value else {
            throw TmuxError("approval answered HTTP \(answer.status) without a redirect")
        }
        return location
    }

    /// Changes the first character of the `tokenID` value to another upper-case letter.
    static func tamperTokenID(_ uri: String) -> String? {
        guard let range = uri.range(of: "tokenID=") else { return nil }
        let index = range.upperBound
        let original = uri[index]
        let replacement: Character = original == "A" ? "B" : "A"
        return uri.replacingCharacters(in: index...index, with: String(replacement))
    }

    private static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let expression = try? NSRegularExpression(pattern: pattern),
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[range]).replacingOccurrences(of: "&amp;", with: "&")
    }
}

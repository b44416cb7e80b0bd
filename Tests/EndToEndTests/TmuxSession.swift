import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Drives the real `fps-checkout` binary inside a private tmux server, as a clerk would.
///
/// Each session gets its own socket in a temporary folder, so tests never touch a user's tmux.
/// tmux is started with `posix_spawn` and an empty signal mask, because Foundation's `Process`
/// hands the daemonised tmux server a pipe it never closes, and Dispatch threads block
/// SIGWINCH, which the console needs for resizes.
final class TmuxSession {
    let directory: URL
    private let socket: String
    private let target = "checkout"

    /// Starts `command` (a shell command line) in a detached window of `width` x `height`.
    init(command: String, width: Int, height: Int, directory: URL) throws {
        self.directory = directory
        self.socket = directory.appendingPathComponent("tmux.sock").path
        let status = try Self.runTmux(socket: socket, [
            "-f", "/dev/null", "new-session", "-d", "-s", target, "-x", String(width), "-y", String(height), command,
        ])
        guard status == 0 else { throw TmuxError("tmux new-session exited with status \(status)") }
        _ = try? Self.runTmux(socket: socket, ["set-option", "-t", target, "remain-on-exit", "on"])
    }

    deinit {
        close()
    }

    /// Stops the private tmux server and the program in it. Call it before removing the
    /// folder that contains the socket: without the socket, tmux cannot reach its server.
    func close() {
        _ = try? Self.runTmux(socket: socket, ["kill-server"])
    }

    /// Sends tmux key names (`Enter`, `Tab`, `F5`, `C-u`) or literal text with `literal: true`.
    func send(_ keys: String..., literal: Bool = false) throws {
        var arguments = ["send-keys", "-t", target]
        if literal { arguments.append("-l") }
        arguments.append(contentsOf: keys)
        let status = try Self.runTmux(socket: socket, arguments)
        guard status == 0 else { throw TmuxError("tmux send-keys \(keys) exited with status \(status)") }
    }

    /// Types text character by character, as a clerk would.
    func type(_ text: String) throws {
        try send(text, literal: true)
    }

    /// Pastes `text` with bracketed-paste markers, as a terminal does for a clipboard paste.
    func paste(_ text: String) throws {
        let buffer = directory.appendingPathComponent("paste.txt")
        try Data(text.utf8).write(to: buffer)
        guard try Self.runTmux(socket: socket, ["load-buffer", "-b", "clip", buffer.path]) == 0,
              try Self.runTmux(socket: socket, ["paste-buffer", "-p", "-d", "-b", "clip", "-t", target]) == 0 else {
            throw TmuxError("tmux paste-buffer failed")
        }
    }

    func resize(width: Int, height: Int) throws {
        let status = try Self.runTmux(socket: socket, ["resize-window", "-t", target, "-x", String(width), "-y", String(height)])
        guard status == 0 else { throw TmuxError("tmux resize-window exited with status \(status)") }
    }

    /// The visible screen as plain text, one string per row.
    func screen() throws -> String {
        let output = directory.appendingPathComponent("capture.txt")
        let status = try Self.runTmux(socket: socket, ["capture-pane", "-p", "-t", target], stdoutPath: output.path)
        guard status == 0 else { throw TmuxError("tmux capture-pane exited with status \(status)") }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Polls the screen until `predicate` holds, or throws with the last screen after `timeout` seconds.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 20, _ predicate: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if predicate(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TmuxError("timed out after \(Int(timeout)) s waiting for \(what); the screen was:\n\(last)")
    }

    /// Polls until the screen contains `text`.
    @discardableResult
    func waitFor(text: String, timeout: TimeInterval = 20) async throws -> String {
        try await waitFor("\"\(text)\"", timeout: timeout) { $0.contains(text) }
    }

    /// True while the program in the window still runs.
    func isRunning() throws -> Bool {
        let output = directory.appendingPathComponent("dead.txt")
        _ = try Self.runTmux(socket: socket, ["display-message", "-p", "-t", target, "#{pane_dead}"], stdoutPath: output.path)
        return ((try? String(contentsOf: output, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) == "0"
    }

    private static func runTmux(socket: String, _ arguments: [String], stdoutPath: String? = nil) throws -> Int32 {
        try spawnAndWait(["/usr/bin/tmux", "-S", socket] + arguments, stdoutPath: stdoutPath)
    }
}

struct TmuxError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `argv` with an empty signal mask and waits for it; stdout optionally goes to a file.
func spawnAndWait(_ argv: [String], stdoutPath: String? = nil) throws -> Int32 {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signalNumber in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGWINCH] { sigaddset(&defaults, signalNumber) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

    var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, argv[0], &actions, &attributes, &cArguments, environ)
    guard result == 0 else { throw TmuxError("posix_spawn \(argv[0]) failed with error \(result)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return (status >> 8) & 0xFF
}

import Foundation

/// A child process started with posix_spawn, so a test can kill it at any moment with a
/// signal of its choice and start it again.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let argv: [String]
    let stdoutPath: String
    private var exitStatus: Int32?

    /// Starts `argv` with `environment` as its whole environment, stdin from /dev/null, and
    /// stdout and stderr appended to `stdoutPath` and `stderrPath`. Returns without waiting.
    init(_ argv: [String], environment: [String: String], stdoutPath: String, stderrPath: String) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The test runner may block or ignore signals; the child gets the defaults, so SIGTERM ends it.
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signalNumber) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)

        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cEnvironment.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, argv[0], &actions, &attributes, &cArguments, &cEnvironment)
        guard result == 0 else { throw ChildProcessError("posix_spawn \(argv[0]) failed with error \(result)") }
        pid = child
        self.argv = argv
        self.stdoutPath = stdoutPath
    }

    /// Sends `signalNumber` unless the process was already reaped.
    func kill(_ signalNumber: Int32) {
        guard exitStatus == nil else { return }
        _ = Foundation.kill(pid, signalNumber)
    }

    /// Returns the exit code, or 128 + the signal number, once the process ended, without blocking.
    func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        exitStatus = Self.decode(status)
        return exitStatus
    }

    /// Waits for the process to end, up to `timeout`, polling every 20 ms. Returns nil on timeout.
    func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let code = poll() { return code }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return poll()
    }

    /// Kills the process with SIGKILL and reaps it; for cleanup after a failed test.
    func killAndReap() {
        guard exitStatus == nil else { return }
        kill(SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        exitStatus = Self.decode(status)
    }

    /// The process's stdout so far.
    var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    private static func decode(_ status: Int32) -> Int32 {
        let signalNumber = status & 0x7F
        return signalNumber == 0 ? (status >> 8) & 0xFF : 128 + signalNumber
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Returns the fps-checkout binary built beside the test bundle.
func fpsCheckoutBinary() throws -> String {
    let candidates: [String] = [
        Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("fps-checkout").path,
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fps-checkout").path,
    ].compactMap { $0 }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ChildProcessError("The fps-checkout binary was not found beside the tests; run `swift build` first. Looked in: \(candidates)")
    }
    return found
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one run of the `fps-checkout` binary printed and how it exited.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String

    /// stdout parsed as one JSON object; empty when it is not one, so a check on a key fails
    /// with the output in the message.
    var json: [String: Any] {
        guard let data = stdout.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    /// The `error` object of JSON output.
    var jsonError: [String: Any] {
        json["error"] as? [String: Any] ?? [:]
    }

    /// Both streams, for failure messages.
    var transcript: String {
        "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
    }
}

struct ProcessRunnerError: Error, CustomStringConvertible {
    let description: String
}

/// Runs the real `fps-checkout` binary built next to this test bundle.
enum ProcessRunner {
    /// `fps-checkout` in the build folder of the running test bundle, else in the package's
    /// default `.build/debug` folder.
    static let binaryPath: String = {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent())
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        // The test bundle may be a folder (`*.xctest/...`), so its parents are tried as well.
        for folder in candidates {
            var current = folder
            for _ in 0..<4 {
                let binary = current.appendingPathComponent("fps-checkout").path
                if FileManager.default.isExecutableFile(atPath: binary) { return binary }
                current = current.deletingLastPathComponent()
            }
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/fps-checkout").path
    }()

    /// Runs `fps-checkout` with `arguments` and only `environment` (plus PATH), feeding `stdin`,
    /// and kills it after `timeout` seconds.
    static func run(_ arguments: [String], environment: [String: String], stdin: String = "",
                    timeout: TimeInterval = 60) throws -> CommandResult {
        guard FileManager.default.isExecutableFile(atPath: binaryPath) else {
            throw ProcessRunnerError(description: "fps-checkout was not found at \(binaryPath); build the package first.")
        }
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Dispatch threads block some signals, and a child inherits the mask, so it is reset.
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.fileHandleForReading.fileDescriptor, 0)
        posix_spawn_file_actions_adddup2(&actions, output.fileHandleForWriting.fileDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.fileHandleForWriting.fileDescriptor, 2)
        for pipe in [input, output, errors] {
            posix_spawn_file_actions_addclose(&actions, pipe.fileHandleForReading.fileDescriptor)
            posix_spawn_file_actions_addclose(&actions, pipe.fileHandleForWriting.fileDescriptor)
        }

        var fullEnvironment = environment
        fullEnvironment["PATH"] = fullEnvironment["PATH"] ?? "/usr/bin:/bin"
        let argv = [binaryPath] + arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = fullEnvironment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }

        var pid: pid_t = 0
        let spawnResult = posix_spawn(&pid, binaryPath, &actions, &attributes, &cArguments, &cEnvironment)
        try? input.fileHandleForReading.close()
        try? output.fileHandleForWriting.close()
        try? errors.fileHandleForWriting.close()
        guard spawnResult == 0 else {
            throw ProcessRunnerError(description: "posix_spawn \(binaryPath) failed with error \(spawnResult)")
        }

        input.fileHandleForWriting.write(Data(stdin.utf8))
        try? input.fileHandleForWriting.close()

        // stderr is drained on another thread so that neither pipe can fill up and block the child.
        let stderrData = LockedData()
        let stderrDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            stderrData.set(errors.fileHandleForReading.readDataToEndOfFile())
            stderrDone.signal()
        }
        let childPID = pid
        let watchdog = Watchdog()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { watchdog.killUnlessReaped(childPID) }
        let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
        stderrDone.wait()

        // The child is waited for without reaping first: while it is a zombie its pid cannot be
        // reused, so the watchdog can never hit another process once `markReaped` has run.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
        watchdog.markReaped()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7F) == 0
        guard exited else {
            throw ProcessRunnerError(description: "fps-checkout \(arguments.first ?? "") was killed by signal \(status & 0x7F) (timeout \(Int(timeout)) s)")
        }
        return CommandResult(status: (status >> 8) & 0xFF,
                             stdout: String(decoding: stdoutData, as: UTF8.self),
                             stderr: String(decoding: stderrData.get(), as: UTF8.self))
    }
}

/// Data handed from the stderr reader thread to the caller.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

/// Kills a child that outlives its time limit, but never after it has been reaped.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var reaped = false

    func killUnlessReaped(_ pid: pid_t) {
        lock.withLock {
            if !reaped { kill(pid, SIGKILL) }
        }
    }

    func markReaped() {
        lock.withLock { reaped = true }
    }
}

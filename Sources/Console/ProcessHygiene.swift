import Dispatch
import Foundation

/// Process-wide settings the console changes while the screen is up, and restores after.
enum ProcessHygiene {
    /// Clears the signal mask of the calling thread. A process started from a Dispatch
    /// thread inherits a mask that blocks SIGWINCH, SIGTERM and SIGHUP, and then neither
    /// resizes nor quits on those signals.
    static func clearSignalMask() {
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
    }

    /// SIGINT (Ctrl-C), SIGTERM and SIGHUP reach the event loop as messages, so every one of
    /// them ends with the terminal restored. SIGWINCH does too: ncurses' own handler would
    /// wake the loop's `poll` only when the kernel picks the loop's thread for the signal,
    /// and the loop need not run on the main thread. ncurses leaves ignored signals alone,
    /// so this must run before the screen starts.
    static let trappedSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGWINCH]

    static func trapSignals(into inbox: Inbox) -> [DispatchSourceSignal] {
        let queue = DispatchQueue(label: "fps-checkout.console.signals")
        return trappedSignals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { inbox.post(.signal(number)) }
            source.resume()
            return source
        }
    }

    static func releaseSignals(_ sources: [DispatchSourceSignal]) {
        for source in sources { source.cancel() }
        for number in trappedSignals { signal(number, SIG_DFL) }
    }

    /// Points file descriptor 2 at `path` (appending) or /dev/null, and returns a copy of the
    /// original descriptor for `restoreStandardError`, or nil when nothing changed.
    static func redirectStandardError(to path: String?) -> Int32? {
        let target = path ?? "/dev/null"
        let file = open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard file >= 0 else { return nil }
        defer { close(file) }
        let saved = dup(2)
        guard saved >= 0, dup2(file, 2) >= 0 else {
            if saved >= 0 { close(saved) }
            return nil
        }
        return saved
    }

    static func restoreStandardError(_ saved: Int32?) {
        guard let saved else { return }
        dup2(saved, 2)
        close(saved)
    }

    /// Writes a line to standard error, which is the log file or /dev/null while the screen is up.
    static func log(_ message: String) {
        let bytes = Array((message + "\n").utf8)
        bytes.withUnsafeBytes { buffer in
            _ = write(2, buffer.baseAddress, buffer.count)
        }
    }
}

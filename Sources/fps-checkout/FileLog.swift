import Foundation
import Synchronization

/// An append-only log file, off unless a path is configured.
///
/// Lines carry a UTC timestamp and a level. Control characters are escaped so a logged value
/// cannot move a terminal's cursor when the file is read with `cat`. The caller's secrets are
/// replaced before writing as a second guard: events from the client are already redacted.
final class FileLog: Sendable {
    private let handle: Mutex<FileHandle?>
    private let secrets: [String]
    let path: String

    /// Opens `path` for appending with mode 600, creating it if needed.
    init(path: String, secrets: [String]) throws {
        try createParentDirectory(of: path)
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw ArgumentError(description: "log file \"\(path)\" cannot be created; check the folder's permissions or choose another --log-file.")
            }
        }
        guard let file = FileHandle(forWritingAtPath: path) else {
            throw ArgumentError(description: "log file \"\(path)\" cannot be opened for writing; check its permissions.")
        }
        file.seekToEndOfFile()
        self.handle = Mutex(file)
        self.secrets = secrets.filter { $0.count >= 8 }
        self.path = path
    }

    func info(_ message: String) { write("INFO", message) }
    func error(_ message: String) { write("ERROR", message) }

    private func write(_ level: String, _ message: String) {
        var text = message
        for secret in secrets { text = text.replacingOccurrences(of: secret, with: "[secret redacted]") }
        let escaped = text.unicodeScalars.map { scalar -> String in
            scalar.value < 0x20 || scalar.value == 0x7F ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }.joined()
        let line = "\(Self.timestamp()) \(level) \(escaped)\n"
        handle.withLock { $0?.write(Data(line.utf8)) }
    }

    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}

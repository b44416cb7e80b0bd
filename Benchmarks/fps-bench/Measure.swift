import Foundation

/// Timing helpers shared by every measure. Rates are taken in short rounds that alternate
/// between the things being compared, so load from other processes on a shared machine hits
/// both sides of a ratio alike. The median round is reported.
enum Measure {
    /// Monotonic nanoseconds.
    @inline(__always)
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Runs `body` in batches for about `seconds` and returns calls per second. The clock is read
    /// once per batch so that reading it does not weigh on fast operations.
    static func rate(seconds: Double, batch: Int = 32, _ body: () -> Void) -> Double {
        let budget = UInt64(seconds * 1e9)
        let start = now()
        var calls = 0
        var elapsed: UInt64 = 0
        repeat {
            for _ in 0..<batch { body() }
            calls += batch
            elapsed = now() - start
        } while elapsed < budget
        return Double(calls) / (Double(elapsed) / 1e9)
    }

    /// Runs the async `body` like `rate` and returns calls per second.
    static func rate(seconds: Double, batch: Int = 16, _ body: () async -> Void) async -> Double {
        let budget = UInt64(seconds * 1e9)
        let start = now()
        var calls = 0
        var elapsed: UInt64 = 0
        repeat {
            for _ in 0..<batch { await body() }
            calls += batch
            elapsed = now() - start
        } while elapsed < budget
        return Double(calls) / (Double(elapsed) / 1e9)
    }

    static func median(_ values: [Double]) -> Double {
        percentile(values, 0.5)
    }

    /// Nearest-rank percentile of `values`, `fraction` in 0...1.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

/// Keeps results alive so the optimizer cannot drop the work that produced them.
nonisolated(unsafe) var blackHole = 0

@inline(never)
func consume(_ value: Int) {
    blackHole &+= value
}

/// Writes one result as a JSON object on its own line of standard output; Benchmarks/run.sh
/// collects these lines and the formatter turns them into BENCHMARKS.md.
func emit(_ measure: String, _ fields: [String: Any]) {
    var object = fields
    object["measure"] = measure
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
        FileHandle.standardError.write(Data("fps-bench: cannot encode result \(measure)\n".utf8))
        return
    }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

/// Progress for the person running the benchmarks; results go to standard output only.
func note(_ text: String) {
    FileHandle.standardError.write(Data("fps-bench: \(text)\n".utf8))
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Command-line options as `--name value` pairs.
struct Options {
    private var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>) throws {
        var rest = arguments[...]
        while let name = rest.popFirst() {
            guard name.hasPrefix("--"), let value = rest.popFirst() else {
                throw BenchFailure("expected --name value pairs, got \(name)")
            }
            values[String(name.dropFirst(2))] = value
        }
    }

    func string(_ name: String, _ fallback: String? = nil) throws -> String {
        guard let value = values[name] ?? fallback else { throw BenchFailure("missing --\(name)") }
        return value
    }

    func int(_ name: String, _ fallback: Int) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text) else { throw BenchFailure("--\(name) needs a whole number, got \(text)") }
        return value
    }

    func double(_ name: String, _ fallback: Double) throws -> Double {
        guard let text = values[name] else { return fallback }
        guard let value = Double(text) else { throw BenchFailure("--\(name) needs a number, got \(text)") }
        return value
    }
}

/// A temporary folder for one benchmark's data files, removed by `remove()`.
struct ScratchFolder {
    let path: String

    init(_ label: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("fps-bench-\(label)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

import Foundation
import FPSClient

/// Test controls served next to the API on the same loopback port: `/admin/clock` moves the
/// sandbox's business time and `/admin/faults` sets the failures injected into API requests.
///
/// The endpoints exist only while `SandboxConfiguration.allowAdmin` is true. A POST must carry
/// the demo caller's secret key in the `X-Sandbox-Admin-Secret` header. A browser cannot add
/// that header to a cross-site form POST, so a web page the tester opens cannot move the clock.
/// Responses are JSON objects; errors are `{"error": "..."}` with a 4xx status.
final class AdminService: Sendable {
    static let clockPath = "/admin/clock"
    static let faultsPath = "/admin/faults"
    static let secretHeader = "X-Sandbox-Admin-Secret"

    let clock: SandboxClock
    let faults: FaultInjector
    let log: @Sendable (String) -> Void

    init(clock: SandboxClock, faults: FaultInjector, log: @escaping @Sendable (String) -> Void) {
        self.clock = clock
        self.faults = faults
        self.log = log
    }

    /// Handles `GET /admin/clock` (reads the time) and `POST /admin/clock` with exactly one of
    /// `advance=SECONDS` or `set=ISO8601`, in the form body or the query.
    func clockRequest(_ http: ServerRequest) -> ServerResponse {
        switch http.method {
        case "GET":
            return clockState()
        case "POST":
            if let rejection = checkSecret(http) { return rejection }
            let values: [String: String]
            switch Self.formValues(http) {
            case .success(let parsed): values = parsed
            case .failure(let problem): return problem.response
            }
            if let unknown = values.keys.sorted().first(where: { $0 != "advance" && $0 != "set" }) {
                return AdminProblem("Unknown parameter \(APIRequest.quoted(unknown)); send advance=SECONDS or set=ISO8601.").response
            }
            do throws(ClockChangeError) {
                switch (values["advance"], values["set"]) {
                case let (advance?, nil):
                    guard let seconds = Double(advance) else {
                        return AdminProblem("advance \(APIRequest.quoted(advance)) is not a number of seconds.").response
                    }
                    let now = try clock.advance(by: seconds)
                    log("sandbox clock advanced by \(advance) s to \(ISO8601Timestamp.format(now))")
                case let (nil, text?):
                    guard let date = ISO8601Timestamp.parse(text) else {
                        return AdminProblem("set \(APIRequest.quoted(text)) is not an ISO 8601 time such as 2011-10-03T15:19:41Z.").response
                    }
                    let now = try clock.set(to: date)
                    log("sandbox clock set to \(ISO8601Timestamp.format(now))")
                default:
                    return AdminProblem("Send exactly one of advance=SECONDS or set=ISO8601.").response
                }
            } catch {
                return AdminProblem(error.message).response
            }
            return clockState()
        default:
            return AdminProblem("HTTP method \(http.method) is not supported here; use GET or POST.", status: 405).response
        }
    }

    private func clockState() -> ServerResponse {
        Self.json(200, [
            "now": ISO8601Timestamp.format(clock.now),
            "wallClock": ISO8601Timestamp.format(clock.wallClock),
            "offsetSeconds": clock.offsetSeconds,
        ])
    }

    /// Handles `GET /admin/faults` (reads the settings) and `POST /admin/faults`, which replaces
    /// them: `error500`, `error503`, `hang` and `dropAfterCommit` are fractions from 0 to 1,
    /// `hangSeconds` is 0 to 600, `slowMilliseconds` 0 to 60000, `dropStyle` is `close` or
    /// `empty500`, and `seed` an unsigned 64-bit integer. Omitted fields take their defaults,
    /// except `seed`, which keeps its current value. Every POST restarts the generator from the seed.
    func faultsRequest(_ http: ServerRequest) -> ServerResponse {
        switch http.method {
        case "GET":
            return faultsState()
        case "POST":
            if let rejection = checkSecret(http) { return rejection }
            let values: [String: String]
            switch Self.formValues(http) {
            case .success(let parsed): values = parsed
            case .failure(let problem): return problem.response
            }
            switch Self.parseFaults(values, currentSeed: faults.faults.seed) {
            case .success(let settings):
                faults.replace(with: settings)
                log("sandbox fault injection set: \(Self.describe(settings))")
                return faultsState()
            case .failure(let problem):
                return problem.response
            }
        default:
            return AdminProblem("HTTP method \(http.method) is not supported here; use GET or POST.", status: 405).response
        }
    }

    private func faultsState() -> ServerResponse {
        let settings = faults.faults
        return Self.json(200, [
            "error500": settings.error500, "error503": settings.error503, "hang": settings.hang,
            "hangSeconds": settings.hangSeconds, "slowMilliseconds": settings.slowMilliseconds,
            "dropAfterCommit": settings.dropAfterCommit, "dropStyle": settings.dropStyle.rawValue,
            // A string, because JSON numbers lose precision above 2^53.
            "seed": String(settings.seed), "draws": faults.drawCount,
        ])
    }

    /// Builds fault settings from form values, checking names and ranges.
    static func parseFaults(_ values: [String: String], currentSeed: UInt64) -> Result<SandboxFaults, AdminProblem> {
        var settings = SandboxFaults()
        settings.seed = currentSeed
        for (name, text) in values.sorted(by: { $0.key < $1.key }) {
            func number(in range: ClosedRange<Double>) -> Double? {
                guard let value = Double(text), range.contains(value) else { return nil }
                return value
            }
            let invalid = AdminProblem("\(name) \(APIRequest.quoted(text)) is invalid: \(Self.faultRanges[name] ?? "").")
            switch name {
            case "error500", "error503", "hang", "dropAfterCommit":
                guard let fraction = number(in: 0...1) else { return .failure(invalid) }
                switch name {
                case "error500": settings.error500 = fraction
                case "error503": settings.error503 = fraction
                case "hang": settings.hang = fraction
                default: settings.dropAfterCommit = fraction
                }
            case "hangSeconds":
                guard let seconds = number(in: 0...600) else { return .failure(invalid) }
                settings.hangSeconds = seconds
            case "slowMilliseconds":
                guard let milliseconds = Int(text), (0...60_000).contains(milliseconds) else { return .failure(invalid) }
                settings.slowMilliseconds = milliseconds
            case "dropStyle":
                guard let style = SandboxFaults.DropStyle(rawValue: text) else { return .failure(invalid) }
                settings.dropStyle = style
            case "seed":
                guard let seed = UInt64(text) else { return .failure(invalid) }
                settings.seed = seed
            default:
                return .failure(AdminProblem("Unknown parameter \(APIRequest.quoted(name)); known: \(faultRanges.keys.sorted().joined(separator: ", "))."))
            }
        }
        return .success(settings)
    }

    private static let faultRanges = [
        "error500": "give a fraction from 0 to 1",
        "error503": "give a fraction from 0 to 1",
        "hang": "give a fraction from 0 to 1",
        "dropAfterCommit": "give a fraction from 0 to 1",
        "hangSeconds": "give seconds from 0 to 600",
        "slowMilliseconds": "give whole milliseconds from 0 to 60000",
        "dropStyle": "give close or empty500",
        "seed": "give an unsigned 64-bit integer",
    ]

    static func describe(_ settings: SandboxFaults) -> String {
        "error500=\(settings.error500) error503=\(settings.error503) hang=\(settings.hang) hangSeconds=\(settings.hangSeconds) slowMilliseconds=\(settings.slowMilliseconds) dropAfterCommit=\(settings.dropAfterCommit) dropStyle=\(settings.dropStyle.rawValue) seed=\(settings.seed)"
    }

    /// Returns a 403 response unless the request carries the demo secret in `secretHeader`.
    func checkSecret(_ http: ServerRequest) -> ServerResponse? {
        guard let given = http.adminSecret, !given.isEmpty else {
            return AdminProblem("The \(Self.secretHeader) header is missing; send the demo caller's secret key in it.", status: 403).response
        }
        guard SignatureV2.constantTimeEquals(given, SandboxServer.demoSecretKey) else {
            log("sandbox admin request to \(http.path) rejected: wrong \(Self.secretHeader)")
            return AdminProblem("The \(Self.secretHeader) header does not match the demo caller's secret key.", status: 403).response
        }
        return nil
    }

    /// Reads form parameters from the POST body, or from the query when the body is empty.
    static func formValues(_ http: ServerRequest) -> Result<[String: String], AdminProblem> {
        let raw = http.body.isEmpty ? http.rawQuery : String(decoding: http.body, as: UTF8.self)
        do {
            var values: [String: String] = [:]
            for parameter in try QueryString.parse(raw[...]) { values[parameter.name] = parameter.value }
            return .success(values)
        } catch {
            return .failure(AdminProblem("The parameters cannot be read: \(error.description)"))
        }
    }

    /// Encodes `object` as a JSON response with sorted keys.
    static func json(_ status: Int, _ object: [String: Any]) -> ServerResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ServerResponse(status: status, contentType: "application/json", body: String(decoding: data, as: UTF8.self) + "\n")
    }
}

/// A rejected admin request: the message for the `error` field and the HTTP status.
struct AdminProblem: Error, Sendable {
    let message: String
    let status: Int

    init(_ message: String, status: Int = 400) {
        self.message = message
        self.status = status
    }

    var response: ServerResponse { AdminService.json(status, ["error": message]) }
}

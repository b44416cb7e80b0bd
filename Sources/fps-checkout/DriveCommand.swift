import Checkout
import Dispatch
import FPSClient
import Foundation
import Ledger
import Synchronization

/// `fps-checkout drive`: a headless clerk for tests and support. It runs scripted checkouts
/// through the real `CheckoutSession`, plays the customer on the sandbox, and prints one line
/// per order that reaches a final state. It is not listed in the main help.
///
/// The process may be killed at any instant: the next start runs the same recovery as the
/// console, finishes the desk's orders that are in progress, and goes on until the desk has
/// `--orders` finished orders in the ledger.
enum DriveCommand {
    static let options: [OptionSpec] = [
        OptionSpec(name: "orders", valueName: "N", help: "Stop when the desk has N finished orders in the ledger, counting earlier runs (1 to 100000)."),
        OptionSpec(name: "mix", valueName: "LIST", help: "Charge modes to pick from at random, comma-separated: pay, reserve (default pay,reserve). Reserve is always settled."),
        OptionSpec(name: "seed", valueName: "N", help: "Seed for the modes and amounts (default 1)."),
        OptionSpec(name: "ledger", valueName: "PATH", help: "Ledger SQLite file (env FPS_CHECKOUT_LEDGER)."),
        OptionSpec(name: "sandbox-data", valueName: "PATH", help: "Embedded sandbox SQLite file, used when no endpoint is configured (env FPS_CHECKOUT_SANDBOX_DATA)."),
        OptionSpec(name: "desk", valueName: "NAME", help: "Desk name; each concurrent clerk needs its own (env FPS_CHECKOUT_DESK; default desk-1)."),
        OptionSpec(name: "pending-seconds", valueName: "SECONDS", help: "Embedded sandbox only: how long transactions stay Pending (default 2)."),
        OptionSpec(name: "max-attempts", valueName: "N", help: "Attempts per money-moving call, 1 to 20 (default 4)."),
        OptionSpec(name: "retry-base-ms", valueName: "MILLISECONDS", help: "Wait before the second attempt, 1 to 60000 (default 250)."),
        OptionSpec(name: "max-retry-ms", valueName: "MILLISECONDS", help: "Maximum wait between attempts, 1 to 600000 (default 4000)."),
        OptionSpec(name: "poll-ms", valueName: "MILLISECONDS", help: "Time between status checks of a Pending transaction, 10 to 60000 (default 1000)."),
        OptionSpec(name: "timeout", valueName: "SECONDS", help: "Time limit for each HTTP request, 1 to 300 (default 10)."),
        OptionSpec(name: "stall-seconds", valueName: "SECONDS", help: "Give up with exit code 1 when one order makes no progress for this long, 1 to 3600 (default 300)."),
        OptionSpec(name: "verbose", valueName: nil, help: "Print every request, response, retry and notice to stderr."),
    ] + EndpointWiring.options

    static let help = """
    A test and support tool: a headless clerk that runs scripted checkouts through the real
    checkout session, with no terminal. For each order it keys in one line, builds the CBUI URL,
    approves it as the customer on the sandbox, and runs Pay, or Reserve then Settle, to a
    final state, printing one line per finished order on stdout:

      order 14 desk desk-1 pay USD 37.50 succeeded transaction <id>

    It can be killed at any instant. The next start resolves every open request of the desk,
    as the console does, and continues until the desk has --orders finished orders.
    Playing the customer works only against a sandbox on 127.0.0.1.

    Exit codes: 0 done, 1 an order stalled or the ledger failed, 2 usage or configuration error.
    """

    /// Phases after which the drive leaves an order alone.
    static let finalPhases: [CheckoutPhase] = [.succeeded, .failed, .cancelled]

    struct Plan {
        var orders: Int
        var modes: [ChargeMode]
        var seed: UInt64
        var stall: Duration
        var verbose: Bool
    }

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws -> Int32 {
        let merged = EndpointWiring.environment(arguments, environment)
        let settings = try Settings.load(arguments, environment: merged)
        let orders = try integerOption("orders", in: arguments, range: 1...100_000, fallback: 0, unit: "orders")
        guard orders > 0 else { throw ArgumentError(description: "Missing --orders: give how many finished orders the desk should reach, such as --orders 10.") }
        var modes: [ChargeMode] = []
        for word in (arguments.value("mix") ?? "pay,reserve").split(separator: ",") {
            switch word.trimmingCharacters(in: .whitespaces) {
            case "pay": modes.append(.payNow)
            case "reserve": modes.append(.reserveThenSettle)
            default: throw ArgumentError(description: "--mix entry \"\(word)\" is invalid: use pay, reserve or both, comma-separated.")
            }
        }
        guard !modes.isEmpty else { throw ArgumentError(description: "--mix is empty: use pay, reserve or both.") }
        let seedText = arguments.value("seed") ?? "1"
        guard let seed = UInt64(seedText) else { throw ArgumentError(description: "--seed \"\(seedText)\" is invalid: give an unsigned whole number.") }
        let maxAttempts = try integerOption("max-attempts", in: arguments, range: 1...20, fallback: 4, unit: "attempts")
        let retryBase = try integerOption("retry-base-ms", in: arguments, range: 1...60_000, fallback: 250, unit: "milliseconds")
        let maxRetry = try integerOption("max-retry-ms", in: arguments, range: 1...600_000, fallback: 4000, unit: "milliseconds")
        let poll = try integerOption("poll-ms", in: arguments, range: 10...60_000, fallback: 1000, unit: "milliseconds")
        let timeout = try integerOption("timeout", in: arguments, range: 1...300, fallback: 10, unit: "seconds")
        let stall = try integerOption("stall-seconds", in: arguments, range: 1...3600, fallback: 300, unit: "seconds")
        let verbose = arguments.has("verbose")

        try createParentDirectory(of: settings.ledgerPath)
        let ledger = try Ledger(path: settings.ledgerPath)
        let wiring = try EndpointWiring.connect(settings) { line in if verbose { printError("sandbox: \(line)") } }
        defer { wiring.sandbox?.stop() }

        let transport = URLSessionTransport(timeoutSeconds: timeout)
        let relay = FPSEventRelay()
        let client = FPSAPIClient(endpoint: wiring.endpoints.api, credentials: wiring.credentials, transport: transport,
                                  events: relay.sink)
        let verifier = ReturnURIVerifier(certificateAllowList: wiring.endpoints.certificateAllowList, transport: transport)
        // The lease must outlast one call with all its retries.
        let lease = Duration.seconds(timeout * maxAttempts) + .milliseconds(maxRetry * maxAttempts) + .seconds(30)
        let configuration = CheckoutConfiguration(
            endpoints: wiring.endpoints, credentials: wiring.credentials, desk: settings.desk, clerk: "drive",
            pollInterval: .milliseconds(poll), maxPolls: 20, maxAttempts: maxAttempts,
            retryBaseDelay: .milliseconds(retryBase), maxRetryDelay: .milliseconds(maxRetry), leaseDuration: lease)
        let session = CheckoutSession(configuration: configuration, client: client, verifier: verifier, ledger: ledger)
        relay.connect { event in
            session.recordEvent(event)
            if verbose { printError("\(event.kind.rawValue): \(event.text)") }
        }
        if verbose { logNotices(of: session) }

        let plan = Plan(orders: orders, modes: modes, seed: seed, stall: .seconds(stall), verbose: verbose)
        let driver = Driver(session: session, ledger: ledger, desk: settings.desk, plan: plan, transport: transport)
        return runBlocking { await driver.run() }
    }

    private static func logNotices(of session: CheckoutSession) {
        let last = Mutex<String?>(nil)
        session.observe { state in
            guard let notice = state.notice else { return }
            let isNew = last.withLock { previous in
                defer { previous = notice }
                return previous != notice
            }
            if isNew { printError("notice (order \(state.orderID), \(state.phase.rawValue)): \(notice)") }
        }
    }

    /// Runs async work from the synchronous entry point and waits for its exit code.
    static func runBlocking(_ work: @escaping @Sendable () async -> Int32) -> Int32 {
        let code = Mutex<Int32>(1)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let result = await work()
            code.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return code.withLock { $0 }
    }
}

/// The clerk's loop: pick the next order, take one step, repeat.
final class Driver: Sendable {
    let session: CheckoutSession
    let ledger: Ledger
    let desk: String
    let plan: DriveCommand.Plan
    let transport: URLSessionTransport
    private let random: Mutex<SplitMix>
    private let printed = Mutex<Set<String>>([])

    init(session: CheckoutSession, ledger: Ledger, desk: String, plan: DriveCommand.Plan, transport: URLSessionTransport) {
        self.session = session
        self.ledger = ledger
        self.desk = desk
        self.plan = plan
        self.transport = transport
        random = Mutex(SplitMix(seed: plan.seed))
    }

    func run() async -> Int32 {
        // The session queued the recovery of the desk's open requests when it started.
        await session.waitUntilIdle()
        var progressMark = ""
        var lastProgress = ContinuousClock.now
        var quietSteps = 0
        while true {
            let finished: Int
            do {
                finished = try ledger.listOrders(phases: DriveCommand.finalPhases.map(\.rawValue), desk: desk, limit: 1_000_000).count
            } catch {
                printError("fps-checkout drive: the ledger could not be read: \(error)")
                return 1
            }
            if finished >= plan.orders {
                reportIfFinished()
                return 0
            }
            await step()

            let state = session.state
            let mark = "\(state.orderID) \(state.phase.rawValue) \(state.transaction?.status.rawValue ?? "")"
            if mark != progressMark {
                progressMark = mark
                lastProgress = .now
                quietSteps = 0
            } else {
                quietSteps += 1
                if ContinuousClock.now - lastProgress > plan.stall {
                    printError("fps-checkout drive: order \(state.orderID) made no progress for \(plan.stall) in phase \(state.phase.rawValue): \(state.notice ?? "no notice")")
                    return 1
                }
                // A step that changed nothing waits before the next, longer each time, up to 1 s.
                try? await Task.sleep(for: .milliseconds(min(1000, 20 * quietSteps)))
            }
        }
    }

    /// Takes one step on the current order, or moves to the next order.
    private func step() async {
        let state = session.state
        switch state.phase {
        case .assembling where state.lines.isEmpty:
            if let other = unfinishedOrder(except: state.orderID) {
                return await session.performAndWait(.open(orderID: String(other)))
            }
            await startOrder()
        case .assembling:
            await session.performAndWait(.buildURL)
        case .awaitingReturn:
            await authorize(state)
        case .authorized:
            await session.performAndWait(state.mode == .payNow ? .pay : .reserve)
        case .pending:
            await session.performAndWait(.refreshStatus)
        case .reserved:
            await session.performAndWait(.settle(amount: nil))
        case .paying, .reserving, .settling, .refunding, .cancelling:
            // Only a stopped call leaves these; opening the order runs its recovery.
            await session.performAndWait(.open(orderID: state.orderID))
        case .succeeded, .failed, .cancelled:
            reportIfFinished()
            await session.performAndWait(.newOrder)
        }
    }

    /// Keys in one line with a seeded mode, quantity and price.
    private func startOrder() async {
        let (mode, quantity, cents) = random.withLock { generator -> (ChargeMode, Int, Int) in
            let mode = plan.modes[Int(generator.next() % UInt64(plan.modes.count))]
            return (mode, 1 + Int(generator.next() % 3), 100 + Int(generator.next() % 9900))
        }
        let price = String(format: "%d.%02d", cents / 100, cents % 100)
        await session.performAndWait(.setMode(mode))
        await session.performAndWait(.addLine(description: "Drive item \(cents)", quantity: String(quantity), unitPrice: price))
    }

    /// Plays the customer and submits the return URI. Any failure signs a new URL, because
    /// the sandbox approves each CBUI request only once.
    private func authorize(_ state: CheckoutState) async {
        guard let url = state.cbuiURL else { return await session.performAndWait(.buildURL) }
        let returnURI: String
        do {
            returnURI = try await SandboxCustomer.approve(cbuiURL: url, transport: transport)
        } catch {
            if plan.verbose { printError("drive: approving order \(state.orderID) failed: \(error)") }
            try? await Task.sleep(for: .milliseconds(200))
            return await session.performAndWait(.buildURL)
        }
        await session.performAndWait(.submitReturnURI(returnURI))
        if session.state.phase == .awaitingReturn {
            try? await Task.sleep(for: .milliseconds(200))
            await session.performAndWait(.buildURL)
        }
    }

    /// Returns the oldest order of this desk that has lines and is not final, other than `current`.
    private func unfinishedOrder(except current: String) -> Int64? {
        let phases = CheckoutPhase.allCases.filter { !DriveCommand.finalPhases.contains($0) }.map(\.rawValue)
        let orders = (try? ledger.listOrders(phases: phases, desk: desk, limit: 1_000_000)) ?? []
        return orders.filter { String($0.id) != current && $0.totalMinor > 0 }.last?.id
    }

    /// Prints the shown order's line once when it is final.
    private func reportIfFinished() {
        let state = session.state
        guard DriveCommand.finalPhases.contains(state.phase), !state.orderID.isEmpty else { return }
        let isNew = printed.withLock { $0.insert(state.orderID).inserted }
        guard isNew else { return }
        let mode = state.mode == .payNow ? "pay" : "reserve"
        let amount = state.total.map(\.description) ?? "-"
        print("order \(state.orderID) desk \(desk) \(mode) \(amount) \(state.phase.rawValue) transaction \(state.transaction?.transactionID ?? "-")")
        fflush(nil)
    }
}

extension CheckoutSession {
    /// Sends `intent` and waits until it and any polling it started have finished.
    func performAndWait(_ intent: CheckoutIntent) async {
        send(intent)
        await waitUntilIdle()
    }
}

/// SplitMix64: a small generator whose sequence depends only on its seed.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Checkout
import CNcursesw
import Foundation

/// The console's single-threaded loop: waits in `poll` on the terminal and the inbox pipe,
/// applies keys and published states to the model, and redraws only after something changed.
/// While a network step runs it wakes every 150 ms to move the spinner. Otherwise it blocks
/// until input arrives or the idle lock is due.
struct EventLoop {
    static let animationInterval: Int32 = 150

    let session: any CheckoutDriving
    let configuration: ConsoleConfiguration
    let terminal: Terminal
    let inbox: Inbox
    let glyphs: Glyphs
    var model: ConsoleModel
    var themes: ThemeCycle
    private var exitCode: Int32?
    private var needsClear = false
    /// Text for OSC 52, written after the next screen update.
    private var pendingClipboard: String?

    init(session: any CheckoutDriving, configuration: ConsoleConfiguration, terminal: Terminal, inbox: Inbox, glyphs: Glyphs,
         themes: ThemeCycle) {
        self.session = session
        self.configuration = configuration
        self.terminal = terminal
        self.inbox = inbox
        self.glyphs = glyphs
        self.themes = themes
        model = ConsoleModel(state: session.state, canPlayCustomer: configuration.playCustomer != nil,
                             desk: configuration.desk ?? "")
    }

    mutating func run() -> Int32 {
        redraw()
        while exitCode == nil {
            let terminalClosed = wait()
            handleMessages(inbox.drain())
            perform(model.lockIfIdle(now: Date(), minutes: configuration.idleLockMinutes))
            if terminalClosed {
                // The terminal went away: leave as after SIGHUP instead of spinning on EOF.
                exitCode = 128 + SIGHUP
                break
            }
            for key in terminal.readKeys() {
                let size = terminal.size
                model.isScreenTooSmall = size.width < Layout.minimumWidth || size.height < Layout.minimumHeight
                perform(model.handle(key))
                if exitCode != nil { break }
            }
            if exitCode == nil { redraw() }
        }
        return exitCode ?? 0
    }

    /// Blocks until the terminal or the inbox has input (trapped signals, SIGWINCH included,
    /// arrive through the inbox), the animation tick is due, or the idle lock is due.
    /// Returns true when the terminal hung up.
    private func wait() -> Bool {
        var descriptors = [
            pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
            pollfd(fd: inbox.readDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        var timeout: Int32 = model.isAnimating ? Self.animationInterval : -1
        if let deadline = model.idleLockDeadline(minutes: configuration.idleLockMinutes) {
            // One extra millisecond, so the wake-up lands after the deadline rather than just before it.
            let untilLock = Int32(clamping: max(0, Int(deadline.timeIntervalSinceNow * 1000) + 1))
            timeout = timeout < 0 ? untilLock : min(timeout, untilLock)
        }
        let result = poll(&descriptors, nfds_t(descriptors.count), timeout)
        let hangUp = Int16(POLLHUP | POLLERR | POLLNVAL)
        return result > 0 && descriptors[0].revents & hangUp != 0 && descriptors[0].revents & Int16(POLLIN) == 0
    }

    private mutating func handleMessages(_ messages: [Inbox.Message]) {
        for message in messages {
            switch message {
            case .state(let state):
                model.apply(state)
            case .customerApproved(let uri):
                perform(model.customerApproved(returnURI: uri))
            case .customerFailed(let text):
                model.customerFailed(text)
            case .signal(let number):
                switch number {
                case SIGINT: perform(model.interrupt())
                case SIGWINCH: terminal.resizeToWindow()
                default: exitCode = 128 + number
                }
            case .orders(let rows, let query):
                model.ordersLoaded(rows, for: query)
            }
        }
    }

    private mutating func perform(_ effects: [ConsoleEffect]) {
        for effect in effects {
            switch effect {
            case .send(let intent):
                session.send(intent)
            case .playCustomer(let url):
                startPlayingCustomer(url: url)
            case .loadOrders(let query):
                loadOrders(query)
            case .copyToClipboard(let text):
                pendingClipboard = text
            case .cycleTheme:
                switchToNextTheme()
            case .clearAndRedraw:
                needsClear = true
            case .quit:
                exitCode = 0
            }
        }
    }

    /// Runs the sandbox customer in a task; the result comes back through the inbox.
    private func startPlayingCustomer(url: String) {
        guard let play = configuration.playCustomer else { return }
        let inbox = self.inbox
        Task.detached {
            do {
                let uri = try await play(url)
                inbox.post(.customerApproved(returnURI: uri))
            } catch {
                inbox.post(.customerFailed(String(describing: error)))
            }
        }
    }

    /// Runs an orders query on a background task, so a slow search never stalls typing.
    private func loadOrders(_ query: OrdersQuery) {
        let session = self.session
        let inbox = self.inbox
        Task.detached {
            let rows = session.orders(phases: query.phases, search: query.search, limit: query.limit)
            inbox.post(.orders(rows, query))
        }
    }

    private mutating func switchToNextTheme() {
        let result = themes.next()
        switch result {
        case .colorsOff(let reason):
            model.localNotice = LocalNotice(text: reason, isProblem: true)
        case .switched(let selection):
            terminal.apply(selection.theme)
            needsClear = true
            if let problem = selection.problems.first {
                ProcessHygiene.log("fps-checkout: theme: \(problem)")
                model.localNotice = LocalNotice(text: "Theme: \(problem)", isProblem: true)
            } else {
                model.localNotice = LocalNotice(text: "Theme: \(selection.theme.name) (\(selection.source)).", isProblem: false)
            }
        }
    }

    private mutating func redraw() {
        let size = terminal.size
        model.orders.pageRows = OrdersScreen.visibleRows(height: size.height)
        let context = RenderContext(now: Date(), timeZone: .current, glyphs: glyphs)
        let canvas = ScreenComposer.compose(model: model, width: size.width, height: size.height, context: context)
        terminal.paint(canvas, clearFirst: needsClear)
        needsClear = false
        if let text = pendingClipboard {
            pendingClipboard = nil
            terminal.copyToClipboard(text)
        }
    }
}

import Checkout
import CNcursesw
import Foundation

/// The console's single-threaded loop: waits in `poll` on the terminal and the inbox pipe,
/// applies keys and published states to the model, and redraws only after something changed.
/// While a network step runs it wakes every 150 ms to move the spinner; otherwise it blocks.
struct EventLoop {
    static let animationInterval: Int32 = 150

    let session: any CheckoutDriving
    let configuration: ConsoleConfiguration
    let terminal: Terminal
    let inbox: Inbox
    let glyphs: Glyphs
    var model: ConsoleModel
    private var exitCode: Int32?
    private var needsClear = false

    init(session: any CheckoutDriving, configuration: ConsoleConfiguration, terminal: Terminal, inbox: Inbox, glyphs: Glyphs) {
        self.session = session
        self.configuration = configuration
        self.terminal = terminal
        self.inbox = inbox
        self.glyphs = glyphs
        model = ConsoleModel(state: session.state, canPlayCustomer: configuration.playCustomer != nil)
    }

    mutating func run() -> Int32 {
        redraw()
        while exitCode == nil {
            let terminalClosed = wait()
            handleMessages(inbox.drain())
            if terminalClosed {
                // The terminal went away: leave as after SIGHUP instead of spinning on EOF.
                exitCode = 128 + SIGHUP
                break
            }
            for key in terminal.readKeys() {
                perform(model.handle(key))
                if exitCode != nil { break }
            }
            if exitCode == nil { redraw() }
        }
        return exitCode ?? 0
    }

    /// Blocks until the terminal or the inbox has input, a signal interrupts `poll`
    /// (SIGWINCH becomes KEY_RESIZE in the next read), or the animation tick is due.
    /// Returns true when the terminal hung up.
    /// NOTE: a resize wakes `poll` only when SIGWINCH is delivered to this thread. Linux
    /// prefers the main thread for process signals, so call `ConsoleApp.run` on the main thread.
    private func wait() -> Bool {
        var descriptors = [
            pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
            pollfd(fd: inbox.readDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        let timeout = model.isAnimating ? Self.animationInterval : -1
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
                model.customerApproved(returnURI: uri)
            case .customerFailed(let text):
                model.customerFailed(text)
            case .signal(let number):
                if number == SIGINT {
                    perform(model.interrupt())
                } else {
                    exitCode = 128 + number
                }
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

    private mutating func redraw() {
        let size = terminal.size
        let context = RenderContext(now: Date(), timeZone: .current, glyphs: glyphs)
        let canvas = ScreenComposer.compose(model: model, width: size.width, height: size.height, context: context)
        terminal.paint(canvas, clearFirst: needsClear)
        needsClear = false
    }
}

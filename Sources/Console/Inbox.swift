import Checkout
import Foundation
import Synchronization

/// Messages from other threads to the event loop, with a self-pipe that wakes the loop's
/// `poll` when one arrives, so the loop can block instead of redrawing on a timer.
final class Inbox: Sendable {
    enum Message: Sendable {
        case state(CheckoutState)
        case customerApproved(returnURI: String)
        case customerFailed(String)
        case signal(Int32)
        case orders([OrderSummary], OrdersQuery)
    }

    private struct Contents {
        var messages: [Message] = []
        var isClosed = false
    }

    private let contents = Mutex(Contents())
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    init?() {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { return nil }
        // Non-blocking on both ends: a writer never stalls on a full pipe and drain never waits.
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = descriptors[0]
        writeDescriptor = descriptors[1]
    }

    /// Queues `message` and wakes the loop. Does nothing after `close`, because an observer
    /// registered with the session may outlive the console.
    func post(_ message: Message) {
        contents.withLock { contents in
            guard !contents.isClosed else { return }
            contents.messages.append(message)
            // A full pipe already contains a pending wake-up, so a failed write loses nothing.
            var byte: UInt8 = 1
            _ = write(writeDescriptor, &byte, 1)
        }
    }

    /// Empties the pipe and returns the queued messages, oldest first.
    func drain() -> [Message] {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readDescriptor, &buffer, buffer.count) > 0 {}
        return contents.withLock { contents in
            defer { contents.messages.removeAll() }
            return contents.messages
        }
    }

    func close() {
        contents.withLock { contents in
            guard !contents.isClosed else { return }
            contents.isClosed = true
            contents.messages.removeAll()
            Glibc.close(readDescriptor)
            Glibc.close(writeDescriptor)
        }
    }
}

import Foundation
import Testing
@testable import Checkout
#if canImport(Glibc)
import Glibc
#endif

@Suite("Lease owners")
struct LeaseOwnerTests {
    @Test func ownSessionIsAlive() {
        #expect(IntentRecovery.isOwnerAlive(IntentRecovery.makeOwner(desk: "desk-1")))
    }

    @Test func exitedUnreapedProcessIsDead() throws {
        // Start /bin/true and leave it unreaped, so it stays a zombie after it exits.
        var pid: pid_t = 0
        var arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { arguments.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/true", nil, nil, &arguments, environ) == 0)
        defer {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }

        let deadline = Date().addingTimeInterval(5)
        while !IntentRecovery.isZombie(pid), Date() < deadline { usleep(10_000) }
        #expect(IntentRecovery.isZombie(pid))
        #expect(kill(pid, 0) == 0, "a zombie still accepts signal 0, which is why the state is read")
        #expect(!IntentRecovery.isOwnerAlive("desk-1:\(pid):abcd1234"))
    }

    @Test func runningProcessIsNotZombie() {
        #expect(!IntentRecovery.isZombie(getpid()))
    }
}

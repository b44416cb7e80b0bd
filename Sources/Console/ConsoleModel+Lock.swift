import Checkout
import Foundation

/// The screen lock: manual with its key, or after the configured idle time.
extension ConsoleModel {
    /// Locks the screen. The order, typed text and any open dialog stay as they are behind it.
    mutating func lock(now: Date) -> [ConsoleEffect] {
        guard !isLocked else { return [] }
        lockedSince = now
        pasteBuffer = nil
        // An earlier message may name the order, which the lock screen hides.
        localNotice = nil
        return [.send(.lock)]
    }

    /// Locks the screen when no key came for `minutes`; 0 turns the idle lock off.
    /// Returns the effects of locking, or none when the screen stays as it is.
    mutating func lockIfIdle(now: Date, minutes: Int) -> [ConsoleEffect] {
        guard minutes > 0, !isLocked, now.timeIntervalSince(lastActivity) >= Double(minutes) * 60 else { return [] }
        return lock(now: now)
    }

    /// When the idle lock is due, or nil when it is off or the screen is locked already.
    func idleLockDeadline(minutes: Int) -> Date? {
        guard minutes > 0, !isLocked else { return nil }
        return lastActivity.addingTimeInterval(Double(minutes) * 60)
    }

    /// Enter unlocks for the signed-in clerk; every other key is ignored, so nothing acts
    /// on an order the clerk cannot see.
    mutating func handleLockedKey(_ key: Key, now: Date) -> [ConsoleEffect] {
        guard key == .enter else { return [] }
        lockedSince = nil
        localNotice = LocalNotice(text: "Unlocked for clerk \(state.clerk).", isProblem: false)
        // NOTE: Enter alone unlocks for the clerk shown; the console asks for no PIN yet.
        return [.send(.unlock(clerk: state.clerk))]
    }
}

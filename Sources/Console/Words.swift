import Checkout
import FPSClient

/// Characters for rules, boxes, the spinner and status symbols, with ASCII stand-ins for
/// terminals whose locale is not UTF-8.
struct Glyphs: Sendable {
    let horizontal: Character
    let vertical: Character
    let corners: (topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character)
    let spinner: [Character]
    let success: String
    let failure: String
    let pending: String
    let reserved: String
    let cancelled: String
    /// An order still being entered or authorized.
    let open: String
    let selected: String
    let ellipsis: String
    /// Whether these are the Unicode glyphs, which the QR code's block characters also need.
    var isUnicode: Bool { horizontal == "─" }

    static let unicode = Glyphs(horizontal: "─", vertical: "│", corners: ("┌", "┐", "└", "┘"),
                                spinner: ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
                                success: "✓", failure: "✗", pending: "…", reserved: "◆", cancelled: "⊘",
                                open: "○", selected: "▸", ellipsis: "…")
    static let ascii = Glyphs(horizontal: "-", vertical: "|", corners: ("+", "+", "+", "+"),
                              spinner: ["|", "/", "-", "\\"],
                              success: "OK", failure: "X", pending: "..", reserved: "R", cancelled: "C",
                              open: "o", selected: ">", ellipsis: "...")
}

/// The words the screen uses for phases, modes and transaction statuses; end-to-end tests grep for them.
enum Words {
    static func phase(_ phase: CheckoutPhase) -> String {
        switch phase {
        case .assembling: return "Entering order"
        case .awaitingReturn: return "Awaiting return URI"
        case .authorized: return "Authorized"
        case .paying: return "Paying"
        case .reserving: return "Reserving"
        case .pending: return "Pending"
        case .reserved: return "Reserved"
        case .settling: return "Settling"
        case .succeeded: return "Succeeded"
        case .failed: return "Failed"
        case .refunding: return "Refunding"
        case .cancelling: return "Cancelling"
        case .cancelled: return "Cancelled"
        }
    }

    /// A symbol beside the phase word, so lists never tell states apart by colour alone.
    static func phaseSymbol(_ phase: CheckoutPhase, glyphs: Glyphs) -> String {
        switch phase {
        case .succeeded: return glyphs.success
        case .failed: return glyphs.failure
        case .reserved: return glyphs.reserved
        case .cancelled: return glyphs.cancelled
        case .paying, .reserving, .settling, .pending, .refunding, .cancelling: return glyphs.pending
        case .assembling, .awaitingReturn, .authorized: return glyphs.open
        }
    }

    /// A shorter phase word for the orders list, where the column is narrow.
    static func listPhase(_ phase: CheckoutPhase) -> String {
        switch phase {
        case .assembling: return "Entering"
        case .awaitingReturn: return "Awaiting URI"
        default: return self.phase(phase)
        }
    }

    static func mode(_ mode: ChargeMode) -> String {
        switch mode {
        case .payNow: return "Pay now"
        case .reserveThenSettle: return "Reserve, settle later"
        }
    }

    static func statusSymbol(_ status: TransactionStatus, glyphs: Glyphs) -> String {
        switch status {
        case .pending: return glyphs.pending
        case .success: return glyphs.success
        case .failure: return glyphs.failure
        case .reserved: return glyphs.reserved
        case .cancelled: return glyphs.cancelled
        }
    }

    static func statusRole(_ status: TransactionStatus) -> Role {
        switch status {
        case .pending: return .pending
        case .success, .reserved: return .success
        case .failure, .cancelled: return .failure
        }
    }

    static func phaseRole(_ phase: CheckoutPhase) -> Role {
        switch phase {
        case .succeeded, .reserved, .authorized: return .success
        case .failed: return .failure
        case .paying, .reserving, .settling, .pending, .refunding, .cancelling: return .pending
        case .cancelled: return .notice
        case .assembling, .awaitingReturn: return .text
        }
    }
}

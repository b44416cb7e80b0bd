import Foundation

/// Reads the ISO 8601 dates FPS documents carry, such as `DateInstalled`.
///
/// Amazon's responses used UTC with `Z`, with or without milliseconds, but captured samples
/// and third-party mocks also show numeric offsets (`-08:00`) and dates with no zone at all.
/// A date with no zone is read as UTC: FPS documented every time as UTC, so that is the
/// likeliest meaning, and the choice is ours because no source states it.
public enum FPSDate {
    /// Parses `text`; returns nil for an empty or unreadable value, never a guess.
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        if let date = withZone(trimmed) { return date }
        // No zone: read the same text as UTC.
        return withZone(trimmed + "Z")
    }

    private static func withZone(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

extension FPSToken {
    /// `dateInstalled` as a date, or nil when the element was empty, absent or unreadable.
    public var installedDate: Date? { dateInstalled.flatMap(FPSDate.parse) }
}

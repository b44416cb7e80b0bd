import Testing
@testable import Console

@Suite struct TextWidthTests {
    init() { #expect(utf8LocaleReady) }

    @Test(arguments: [("abc", 3), ("東京", 4), ("😀", 2), ("e\u{301}", 1), ("❤️", 2), ("", 0)])
    func displayWidth(text: String, columns: Int) {
        #expect(TextWidth.width(of: text) == columns)
    }

    @Test func wrapCharactersBreaksAnywhere() {
        #expect(TextWidth.wrapCharacters("abcdefghij", columns: 4) == ["abcd", "efgh", "ij"])
    }

    @Test func wrapCharactersKeepsWideCharactersWhole() {
        #expect(TextWidth.wrapCharacters("ab東京", columns: 3) == ["ab", "東", "京"])
    }

    @Test func wrapWordsBreaksAtSpaces() {
        #expect(TextWidth.wrapWords("Pay needs an authorized return URI", columns: 12) == ["Pay needs an", "authorized", "return URI"])
    }

    @Test func wrapWordsSplitsLongWord() {
        #expect(TextWidth.wrapWords("a abcdefgh", columns: 4) == ["a", "abcd", "efgh"])
    }

    @Test func truncateAddsEllipsis() {
        #expect(TextWidth.truncate("Settle needs a reserve", to: 10) == "Settle ne…")
        #expect(TextWidth.truncate("short", to: 10) == "short")
        #expect(TextWidth.truncate("東京東京", to: 4) == "東…")
    }

    @Test func tailKeepsEnd() {
        #expect(TextWidth.tail("abcdef", columns: 3) == "def")
        #expect(TextWidth.tail("ab東京", columns: 3) == "京")
    }

    @Test func sanitizeReplacesControls() {
        #expect(TextWidth.sanitize("a\tb\nc\u{1b}[2J") == "a b c [2J")
    }
}

@Suite struct CanvasTests {
    init() { #expect(utf8LocaleReady) }

    @Test func wideCharacterAtEdgeLeavesBlank() {
        var canvas = Canvas(width: 5, height: 1)
        let written = canvas.put("abcd東", x: 0, y: 0, role: .text)
        #expect(written == 5)
        #expect(canvas.rowText(0) == "abcd ")
    }

    @Test func overwritingHalfOfWideCharacterBlanksTheOtherHalf() {
        var canvas = Canvas(width: 6, height: 1)
        canvas.put("東京", x: 0, y: 0, role: .text)
        canvas.put("x", x: 1, y: 0, role: .text)
        #expect(canvas.rowText(0) == " x京  ")
        #expect(TextWidth.width(of: canvas.rowText(0)) == 6)
    }

    @Test func runsGroupByRole() {
        var canvas = Canvas(width: 6, height: 1)
        canvas.put("ab", x: 0, y: 0, role: .title)
        canvas.put("cd", x: 2, y: 0, role: .failure)
        let runs = canvas.runs(row: 0)
        #expect(runs.map(\.text) == ["ab", "cd", "  "])
        #expect(runs.map(\.x) == [0, 2, 4])
        #expect(runs.map(\.role) == [.title, .failure, .text])
    }
}

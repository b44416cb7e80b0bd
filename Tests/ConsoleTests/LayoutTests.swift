import Testing
@testable import Console

@Suite struct LayoutTests {
    @Test(arguments: [(79, 24), (80, 23), (40, 10)])
    func belowMinimumHasNoLayout(width: Int, height: Int) {
        #expect(Layout.compute(width: width, height: height) == nil)
    }

    @Test func minimumSizeWithoutURL() throws {
        let layout = try #require(Layout.compute(width: 80, height: 24))
        #expect(layout.header == Rect(x: 0, y: 0, width: 80, height: 1))
        #expect(layout.hints == Rect(x: 0, y: 23, width: 80, height: 1))
        #expect(layout.status == Rect(x: 0, y: 22, width: 80, height: 1))
        #expect(layout.returnURI == Rect(x: 0, y: 21, width: 80, height: 1))
        // Title row plus the one placeholder row.
        #expect(layout.url == Rect(x: 0, y: 19, width: 80, height: 2))
        // 80 * 55 / 100 = 44 is below the 46-column floor of the left column.
        // The actions pane has a title row and seven actions.
        #expect(layout.actions == Rect(x: 0, y: 11, width: 46, height: 8))
        #expect(layout.order == Rect(x: 0, y: 1, width: 46, height: 10))
        #expect(layout.separator == Rect(x: 46, y: 1, width: 1, height: 18))
        #expect(layout.transaction == Rect(x: 47, y: 1, width: 33, height: 8))
        #expect(layout.events == Rect(x: 47, y: 9, width: 33, height: 10))
    }

    @Test func tmuxSizeWithURL() throws {
        // 420 columns of URL at 100 columns need 5 rows.
        let layout = try #require(Layout.compute(width: 100, height: 30, urlWidth: 420))
        #expect(layout.url == Rect(x: 0, y: 21, width: 100, height: 6))
        #expect(layout.returnURI.y == 27)
        #expect(layout.order == Rect(x: 0, y: 1, width: 55, height: 12))
        #expect(layout.actions == Rect(x: 0, y: 13, width: 55, height: 8))
        #expect(layout.events == Rect(x: 56, y: 9, width: 44, height: 12))
    }

    @Test func hugeURLKeepsMiddleMinimum() throws {
        let layout = try #require(Layout.compute(width: 80, height: 24, urlWidth: 5000))
        // 24 rows: header 1, status 1, hints 1, return 1, URL title 1 and a middle of 13
        // (order 5 plus actions 8) leave 6 URL rows.
        #expect(layout.url.height == 7)
        #expect(layout.order.height == 5)
        #expect(layout.transaction.height + layout.events.height == 13)
    }

    @Test func longNoticeGetsTwoRows() throws {
        let layout = try #require(Layout.compute(width: 80, height: 24, noticeWidth: 81))
        #expect(layout.status == Rect(x: 0, y: 21, width: 80, height: 2))
        #expect(layout.returnURI.y == 20)
    }

    @Test(arguments: [(80, 24, 0), (100, 30, 420), (132, 50, 900), (80, 24, 3000)])
    func rowsTileWithoutGaps(width: Int, height: Int, urlWidth: Int) throws {
        let layout = try #require(Layout.compute(width: width, height: height, urlWidth: urlWidth))
        let left = [layout.header, layout.order, layout.actions, layout.url, layout.returnURI, layout.status, layout.hints]
        let right = [layout.header, layout.transaction, layout.events, layout.url, layout.returnURI, layout.status, layout.hints]
        for column in [left, right] {
            var nextRow = 0
            for rect in column {
                #expect(rect.y == nextRow)
                #expect(rect.height > 0)
                nextRow = rect.maxY
            }
            #expect(nextRow == height)
        }
        #expect(layout.order.width + 1 + layout.transaction.width == width)
    }
}

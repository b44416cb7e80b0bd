import Testing
@testable import Console

@Suite struct LayoutTests {}

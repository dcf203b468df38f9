import Testing
@testable import GaitStore

@Suite struct StoreTests {
    @Test func placeholder() { #expect(Bool(true)) }
}

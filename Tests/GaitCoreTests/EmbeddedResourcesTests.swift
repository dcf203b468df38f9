import Testing
@testable import GaitCore

@Suite struct EmbeddedResourcesTests {
    @Test func placeholder() { #expect(Bool(true)) }
}

import Testing

extension Tag {
    /// Stress runs and the real model: slow, and still part of the normal `swift test`.
    @Tag static var slow: Tag
}

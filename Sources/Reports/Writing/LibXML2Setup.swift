import CLibXML2

/// Initializes libxml2 once per process before first use.
///
/// libxml2's documentation asks multithreaded programs to call `xmlInitParser` before using the library
/// from several threads; Swift's lazy static initialization runs it exactly once, thread-safely.
enum LibXML2Setup {
    private static let initialized: Void = { xmlInitParser() }()

    /// Makes sure libxml2 is initialized; cheap after the first call.
    static func ensure() {
        _ = initialized
    }
}

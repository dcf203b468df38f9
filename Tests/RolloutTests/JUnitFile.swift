import Foundation
import Testing

/// A JUnit file `gait gate --junit` wrote, checked with libxml2's `xmllint` (Debian package libxml2-utils)
/// against the Jenkins xUnit and the strict Ant schemas kept in Fixtures/.
enum JUnitFile {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    /// Runs xmllint with the arguments; returns its exit status and combined output.
    static func xmllint(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let candidates = ["/usr/bin/xmllint", "/usr/local/bin/xmllint", "/opt/homebrew/bin/xmllint"]
        let path = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
                                "xmllint is missing: install Debian's libxml2-utils (apt-get install libxml2-utils)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Expects the file to be valid against both JUnit schemas.
    static func expectValid(_ path: String) throws {
        for schema in ["jenkins-junit-10.xsd", "ant-junit-strict.xsd"] {
            let result = try xmllint(["--noout", "--schema", fixture(schema), path])
            #expect(result.status == 0, "\(schema): \(result.output)")
        }
    }

    /// The string value of an XPath expression (xmllint ends it with one newline).
    static func xpath(_ path: String, _ expression: String) throws -> String {
        var output = try xmllint(["--xpath", expression, path]).output
        if output.hasSuffix("\n") { output.removeLast() }
        return output
    }
}

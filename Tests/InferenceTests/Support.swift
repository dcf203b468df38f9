import Foundation
import Inference
import Testing

extension Tag {
    /// Tests that run the real model or stress the engine.
    @Tag static var slow: Tag
}

/// The real model, located like every command does (fetched when missing), loaded once per test process.
enum RealModel {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private static let loaded: Result<LocalEngine, any Error> = Result {
        let url = try ModelLocator.defaultModelURL(fetchIfMissing: true, log: { _ in })
        return LocalEngine(model: try LlamaModel(url: url), threads: 2)
    }

    static func engine() throws -> LocalEngine { try loaded.get() }

    /// Lines of a JSONL fixture, decoded.
    static func jsonLines<T: Decodable>(_ name: String, as type: T.Type) throws -> [T] {
        let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }
}

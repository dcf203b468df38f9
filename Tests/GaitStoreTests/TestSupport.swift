import Foundation
import GaitCore
@testable import GaitStore

/// A fresh temporary folder, removed when the value is dropped by the test's end.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gait-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Files kept next to the tests.
enum Fixtures {
    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    }
}

/// A clock that tests move by hand.
final class ManualClock: Sendable {
    private let state = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    var now: Date { state.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { state.withLock { $0 += seconds } }
    var function: @Sendable () -> Date { { [self] in self.now } }
}

import Synchronization

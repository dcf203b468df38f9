import Foundation
import GaitCore
import GRDB
import Testing
@testable import GaitStore

/// Workspaces write their log through Gait's VFS: a transaction's frames reach the file system
/// together, and what one connection commits is what every other reads.
@Suite struct LogWritesTests {
    @Test func aSmallTransactionReachesTheLogInOneWrite() throws {
        let directory = try TemporaryDirectory()
        let workspace = try Workspace.initialize(path: directory.path("w.sqlite")).workspace
        let before = try #require(workspace.writer.writeWithoutTransaction { db in LogWrites.counts(db) })
        _ = try workspace.importPrompts([Prompt(id: "a", text: "A prompt")], into: "s", source: "test")
        let after = try #require(workspace.writer.writeWithoutTransaction { db in LogWrites.counts(db) })
        // Several pages (set, prompt, its indexes, the audit event), two writes each asked of the VFS.
        #expect(after.requested - before.requested >= 6)
        #expect(after.written - before.written == 1)
    }

    @Test func aLargeTransactionIsWrittenInPiecesAndReadsBackWhole() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("w.sqlite")
        let workspace = try Workspace.initialize(path: path).workspace
        // About 1.5 MB of prompts in one import: longer than one write of the VFS (64 KiB).
        let prompts = (0..<400).map { index in
            Prompt(id: "p\(index)", text: String(repeating: "prompt \(index) ", count: 400))
        }
        let before = try #require(workspace.writer.writeWithoutTransaction { db in LogWrites.counts(db) })
        _ = try workspace.importPrompts(prompts, into: "big", source: "test")
        let after = try #require(workspace.writer.writeWithoutTransaction { db in LogWrites.counts(db) })
        let (requested, written) = (after.requested - before.requested, after.written - before.written)
        #expect(written >= 1_500_000 / 65_536)
        #expect(written * 10 < requested)

        // Another connection (as another process would) reads every prompt as written.
        let reader = try Workspace.open(path: path)
        let read = try reader.prompts(inSet: "big").map(\.prompt)
        #expect(read.map(\.id) == prompts.map(\.id))
        #expect(read.map(\.text) == prompts.map(\.text))
        let integrity = try reader.writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
        #expect(try reader.verify().passed)
    }

    @Test func connectionsThroughSQLitesOwnVFSReportNoCounts() throws {
        let directory = try TemporaryDirectory()
        _ = try Workspace.initialize(path: directory.path("w.sqlite"))
        let queue = try DatabaseQueue(path: "file:\(directory.path("w.sqlite"))?vfs=unix")
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM raters") } == 0)
        #expect(queue.inDatabase { db in LogWrites.counts(db) } == nil)
    }
}

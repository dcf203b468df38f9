import Foundation
import GaitStore
import GRDB
import Testing

/// The foundation commands as a user runs them: output, errors on stderr, the design's exit codes.
@Suite struct WorkspaceCommandTests {
    @Test func helpListsEveryCommand() throws {
        let scratch = try Scratch()
        let result = try GaitRunner.run(["--help"], in: scratch.url)
        #expect(result.status == 0)
        for command in ["demo", "init", "prompts", "rubrics", "raters", "generate", "runs", "review", "status",
                        "verify", "model", "stats"] {
            #expect(result.stdout.contains("  \(command) "), "gait --help lacks \(command)")
        }
    }

    @Test func initIsIdempotentAndImportsTheShippedRubrics() throws {
        let scratch = try Scratch()
        let first = try GaitRunner.run(["init"], in: scratch.url)
        #expect(first.status == 0)
        #expect(first.stdout.contains("applied 0001_workspace, 0002_corrections_and_queue_indexes, 0003_audit_event_indexes"))
        #expect(first.stdout.contains("Imported rubrics: fairness v1, helpfulness v1, preference v1, safety v1."))
        #expect(FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("gait.yaml").path))
        let second = try GaitRunner.run(["init"], in: scratch.url)
        #expect(second.status == 0)
        #expect(second.stdout == "Workspace gait.sqlite is up to date (schema version 6).\n")
        let rubrics = try GaitRunner.run(["rubrics", "list", "--format", "json"], in: scratch.url)
        let list = try JSONSerialization.jsonObject(with: Data(rubrics.stdout.utf8)) as? [[String: Any]]
        #expect(list?.compactMap { $0["name"] as? String } == ["fairness", "helpfulness", "preference", "safety"])
    }

    @Test func aBadPromptLineExitsWithTheDataErrorCode() throws {
        let scratch = try Scratch()
        _ = try GaitRunner.run(["init"], in: scratch.url)
        try scratch.write("p.jsonl", "{\"id\": \"a\", \"prompt\": \"fine\"}\n{\"id\": \"b\"}\n")
        let result = try GaitRunner.run(["prompts", "import", "p.jsonl", "--set", "s"], in: scratch.url)
        #expect(result.status == 65)
        #expect(result.stderr == "Error: p.jsonl:2: prompt: missing required key\n")
        let list = try GaitRunner.run(["prompts", "list"], in: scratch.url)
        #expect(list.stdout.contains("No prompt sets yet"))
    }

    @Test func usageErrorsExitWith64() throws {
        let scratch = try Scratch()
        let result = try GaitRunner.run(["prompts", "import", "p.jsonl"], in: scratch.url)
        #expect(result.status == 64)
        #expect(result.stderr.contains("Missing expected argument '--set <set>'"))
    }

    @Test func aMissingWorkspaceSaysHowToCreateOne() throws {
        let scratch = try Scratch()
        let result = try GaitRunner.run(["raters", "list", "--db", "none.sqlite"], in: scratch.url)
        #expect(result.status == 1)
        #expect(result.stderr == "Error: no workspace at none.sqlite; create one with `gait init --db none.sqlite`\n")
    }

    @Test func gaitDBSelectsTheWorkspace() throws {
        let scratch = try Scratch()
        _ = try GaitRunner.run(["init", "--db", "other.sqlite"], in: scratch.url)
        let added = try GaitRunner.run(["raters", "add", "ana", "--role", "lead"], in: scratch.url,
                                       environment: ["GAIT_DB": "other.sqlite"])
        #expect(added.status == 0)
        let list = try GaitRunner.run(["raters", "list", "--db", "other.sqlite", "--format", "json"], in: scratch.url)
        #expect(list.stdout.contains("\"name\" : \"ana\""))
        let duplicate = try GaitRunner.run(["raters", "add", "ana", "--db", "other.sqlite"], in: scratch.url)
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr == "Error: rater 'ana' already exists; see `gait raters list`\n")
    }

    @Test func verifyFailsAfterAChangeBehindGaitsBack() throws {
        let scratch = try Scratch()
        _ = try GaitRunner.run(["init"], in: scratch.url)
        try scratch.write("p.jsonl", "{\"id\": \"a\", \"prompt\": \"fine\"}\n")
        _ = try GaitRunner.run(["prompts", "import", "p.jsonl", "--set", "s"], in: scratch.url)
        let good = try GaitRunner.run(["verify"], in: scratch.url)
        #expect(good.status == 0)
        #expect(good.stdout.hasPrefix("Verified 5 events"))
        let queue = try DatabaseQueue(path: scratch.url.appendingPathComponent("gait.sqlite").path)
        try queue.write { db in try db.execute(sql: "UPDATE prompts SET text = 'changed'") }
        try queue.close()
        let bad = try GaitRunner.run(["verify"], in: scratch.url)
        #expect(bad.status == 1)
        #expect(bad.stderr == "Error: event 5 (prompts.import): the rows it recorded no longer match its content hash; they were changed after it was written\n")
    }

    @Test func generateRefusesAStageTheScopeHasNotReached() throws {
        let scratch = try Scratch()
        _ = try GaitRunner.run(["init"], in: scratch.url)
        try scratch.write("p.jsonl", "{\"id\": \"a\", \"prompt\": \"Hi\", \"scope\": \"faq\"}\n")
        _ = try GaitRunner.run(["prompts", "import", "p.jsonl", "--set", "s"], in: scratch.url)
        let result = try GaitRunner.run(["generate", "--set", "s", "--stage", "walk", "--rubric", "helpfulness"], in: scratch.url)
        #expect(result.status == 1)
        #expect(result.stderr == "Error: scope 'faq' (in crawl) has not reached walk; promote it first with `gait gate` and `gait promote`, or pass --force\n")
        let missing = try GaitRunner.run(["generate", "--set", "s", "--stage", "crawl"], in: scratch.url)
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("--rubric is required"))
    }
}

/// A write to the log that fails (here: the file-size limit of the process) fails the command
/// whole: the workspace keeps everything before it, and verifies.
@Suite struct FailedLogWriteTests {
    @Test func anImportWhoseLogWriteFailsLeavesTheWorkspaceAsItWas() throws {
        let scratch = try Scratch()
        _ = try GaitRunner.run(["init"], in: scratch.url)
        try scratch.write("small.jsonl", "{\"id\": \"a\", \"prompt\": \"fine\"}\n")
        #expect(try GaitRunner.run(["prompts", "import", "small.jsonl", "--set", "s"], in: scratch.url).status == 0)
        // About 3 MB of prompts, while no file may grow past the database's size plus 256 KiB.
        let lines = (0..<1000).map { "{\"id\": \"p\($0)\", \"prompt\": \"\(String(repeating: "prompt \($0) ", count: 300))\"}" }
        try scratch.write("big.jsonl", lines.joined(separator: "\n") + "\n")
        let size = try #require(try FileManager.default.attributesOfItem(
            atPath: scratch.url.appendingPathComponent("gait.sqlite").path)[.size] as? Int)
        let limited = Process()
        limited.executableURL = URL(fileURLWithPath: "/bin/bash")
        limited.arguments = ["-c", "trap '' XFSZ; ulimit -f \((size + 262_144) / 1024); exec \"$0\" prompts import big.jsonl --set big",
                             GaitRunner.executable.path]
        limited.currentDirectoryURL = scratch.url
        limited.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        limited.standardError = errors
        try limited.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        limited.waitUntilExit()
        #expect(limited.terminationStatus != 0)
        #expect(message == "Error: the workspace database could not be written (disk I/O error); the disk may be full or "
                + "the file over a size limit. The write that failed was rolled back: the workspace holds nothing of it\n")

        let verify = try GaitRunner.run(["verify"], in: scratch.url)
        #expect(verify.status == 0, "\(verify.stderr)")
        let sets = try GaitRunner.run(["prompts", "list", "--format", "json"], in: scratch.url)
        let list = try JSONSerialization.jsonObject(with: Data(sets.stdout.utf8)) as? [[String: Any]]
        #expect(list?.compactMap { $0["name"] as? String } == ["s"])
        // The same import without the limit goes through.
        #expect(try GaitRunner.run(["prompts", "import", "big.jsonl", "--set", "big"], in: scratch.url).status == 0)
    }
}

import Foundation
import GRDB
import Testing

/// `gait generate` end to end on the real embedded model (fetched by `gait model fetch` first).
@Suite(.tags(.slow), .serialized) struct GenerateCommandTests {
    static let prompts = (1...6).map { #"{"id": "q\#($0)", "prompt": "Name a color number \#($0).", "scope": "faq"}"# }
        .joined(separator: "\n") + "\n"

    func workspace() throws -> Scratch {
        let scratch = try Scratch()
        #expect(try GaitRunner.run(["init"], in: scratch.url).status == 0)
        try scratch.write("p.jsonl", Self.prompts)
        #expect(try GaitRunner.run(["prompts", "import", "p.jsonl", "--set", "s"], in: scratch.url).status == 0)
        return scratch
    }

    func rows(_ scratch: Scratch, _ sql: String) throws -> [Row] {
        let queue = try DatabaseQueue(path: scratch.url.appendingPathComponent("gait.sqlite").path)
        defer { try? queue.close() }
        return try queue.read { db in try Row.fetchAll(db, sql: sql) }
    }

    let small = ["--set", "s", "--rubric", "helpfulness", "-n", "2", "--max-tokens", "6", "--threads", "2"]

    @Test func eachStageQueuesItsShareWithItsOverlap() throws {
        let scratch = try workspace()
        let crawl = try GaitRunner.run(["generate", "--stage", "crawl", "--seed", "7"] + small, in: scratch.url)
        #expect(crawl.status == 0, "\(crawl.stderr)")
        #expect(crawl.stdout == "Run 1: 12 candidates for 6 prompts, 12 items queued for review (crawl, overlap 3).\n")
        // Six tokens cut most answers at the limit: walk and run review every flagged candidate,
        // and a sampled share of the others.
        for (stage, overlap) in [("walk", 2), ("run", 1)] {
            let result = try GaitRunner.run(["generate", "--stage", stage, "--seed", "7", "--force"] + small, in: scratch.url)
            #expect(result.status == 0, "\(result.stderr)")
            let items = try rows(scratch, "SELECT i.overlap, i.reason, c.auto_flags FROM items i JOIN candidates c ON c.id = i.candidate_a JOIN runs r ON r.id = c.run_id WHERE r.stage = '\(stage)'")
            #expect(items.allSatisfy { ($0[0] as Int) == overlap })
            #expect(items.filter { ($0[1] as String) == "flagged" }.allSatisfy { !($0[2] as String).isEmpty })
            let unreviewedFlagged = try rows(scratch, """
                SELECT count(*) FROM candidates c JOIN runs r ON r.id = c.run_id
                WHERE r.stage = '\(stage)' AND c.auto_flags <> '' AND NOT EXISTS (SELECT 1 FROM items i WHERE i.candidate_a = c.id)
                """).first?[0] as Int?
            #expect(unreviewedFlagged == 0)
            let flaggedCount = try rows(scratch, "SELECT count(*) FROM candidates c JOIN runs r ON r.id = c.run_id WHERE r.stage = '\(stage)' AND c.auto_flags <> ''").first?[0] as Int? ?? 0
            #expect(flaggedCount > 0)
            #expect(items.count >= flaggedCount)
        }
        let runs = try rows(scratch, "SELECT stage, review_overlap, n, seed, model_sha256, tokens_out, cpu_seconds, status, (SELECT sum(token_count) FROM candidates c WHERE c.run_id = runs.id) FROM runs ORDER BY id")
        #expect(runs.map { $0[0] as String } == ["crawl", "walk", "run"])
        #expect(runs.allSatisfy { ($0[4] as String) == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53" })
        #expect(runs.allSatisfy { ($0[5] as Int) == ($0[8] as Int) && ($0[5] as Int) <= 72 && ($0[6] as Double) > 0 && ($0[7] as String) == "complete" })
        let show = try GaitRunner.run(["runs", "show", "1", "--format", "json"], in: scratch.url)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(json["candidates"] as? Int == 12)
        #expect(json["tokens_out"] as? Int == runs[0][5] as Int)
        #expect(json["seed"] as? Int == 7)
        #expect(try GaitRunner.run(["verify"], in: scratch.url).status == 0)
    }

    @Test func aSeededRunIsReproducible() throws {
        var texts: [[String]] = []
        for _ in 0..<2 {
            let scratch = try workspace()
            let result = try GaitRunner.run(["generate", "--stage", "crawl", "--seed", "99", "--temperature", "0.9"] + small,
                                            in: scratch.url)
            #expect(result.status == 0, "\(result.stderr)")
            texts.append(try rows(scratch, "SELECT text FROM candidates ORDER BY prompt_id, idx").map { $0[0] as String })
        }
        #expect(texts[0] == texts[1])
        #expect(Set(texts[0]).count > 1)
    }

    @Test func aCrashedRunResumesWithoutDuplicates() throws {
        let scratch = try workspace()
        let running = try GaitRunner.start(["generate", "--stage", "crawl", "--seed", "5", "--set", "s", "--rubric", "helpfulness",
                                            "-n", "2", "--max-tokens", "24", "--threads", "1"], in: scratch.url)
        // Kill it once some, but not all, prompts are stored.
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            let stored = (try? rows(scratch, "SELECT count(DISTINCT prompt_id) FROM candidates").first?[0] as Int?) ?? 0
            if stored >= 2 || !running.process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(running.process.processIdentifier, SIGKILL)
        _ = running.wait()
        let before = try rows(scratch, "SELECT count(*) FROM candidates").first?[0] as Int? ?? 0
        #expect(before < 12, "the run finished before it could be killed")
        #expect(before % 2 == 0, "a prompt was stored in part")
        let resumed = try GaitRunner.run(["generate", "--resume", "1"], in: scratch.url)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let perPrompt = try rows(scratch, "SELECT count(*) FROM candidates GROUP BY prompt_id").map { $0[0] as Int }
        #expect(perPrompt == [2, 2, 2, 2, 2, 2])
        let items = try rows(scratch, "SELECT count(*) FROM items").first?[0] as Int?
        #expect(items == 12)
        let status = try rows(scratch, "SELECT status FROM runs").first?[0] as String?
        #expect(status == "complete")
        #expect(try GaitRunner.run(["verify"], in: scratch.url).status == 0)
    }

    @Test func ctrlCStopsBetweenPromptsAndMarksTheRunInterrupted() throws {
        let scratch = try workspace()
        let running = try GaitRunner.start(["generate", "--stage", "crawl", "--seed", "5", "--set", "s", "--rubric", "helpfulness",
                                            "-n", "2", "--max-tokens", "24", "--threads", "1"], in: scratch.url)
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            let stored = (try? rows(scratch, "SELECT count(DISTINCT prompt_id) FROM candidates").first?[0] as Int?) ?? 0
            if stored >= 1 || !running.process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(running.process.processIdentifier, SIGINT)
        let result = running.wait()
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("finish it with `gait generate --resume 1`"))
        let status = try rows(scratch, "SELECT status FROM runs").first?[0] as String?
        #expect(status == "interrupted")
    }

    @Test func theEndpointBackendTalksToGaitModelServe() throws {
        let scratch = try workspace()
        let server = try GaitRunner.start(["model", "serve", "--port", "0"], in: scratch.url)
        defer {
            kill(server.process.processIdentifier, SIGTERM)
            _ = server.wait()
        }
        var url: String?
        let deadline = Date().addingTimeInterval(120)
        while url == nil, Date() < deadline, server.process.isRunning {
            if let range = server.stdoutSoFar.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) {
                url = String(server.stdoutSoFar[range])
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let endpoint = try #require(url)
        let result = try GaitRunner.run(["generate", "--stage", "crawl", "--seed", "3", "--endpoint", endpoint,
                                         "--model-name", "smollm2", "--set", "s", "--rubric", "helpfulness", "-n", "2",
                                         "--max-tokens", "6"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "Run 1: 12 candidates for 6 prompts, 12 items queued for review (crawl, overlap 3).\n")
        let run = try #require(try rows(scratch, "SELECT backend, endpoint, model_name FROM runs").first)
        #expect(run[0] as String == "openai")
        #expect(run[1] as String == endpoint)
        #expect(run[2] as String == "smollm2")
        let refused = try GaitRunner.run(["generate", "--stage", "crawl", "--endpoint", "http://127.0.0.1:9",
                                          "--model-name", "x", "--set", "s", "--rubric", "helpfulness", "-n", "1"], in: scratch.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("127.0.0.1:9"))
    }
}

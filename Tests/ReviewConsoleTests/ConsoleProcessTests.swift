import Foundation
import GaitCore
import GaitStore
import GRDB
import Testing

/// The `gait review` executable driven as raters would drive it: through pipes, killed, and in a
/// real terminal. Needs `swift build --product gait` first (scripts/test.sh does it).
@Suite(.serialized, .tags(.slow)) struct ConsoleProcessTests {
    /// A temporary workspace folder with gait.yaml.
    final class Folder: Sendable {
        let url: URL
        var database: String { url.appendingPathComponent("gait.sqlite").path }

        init(queue: String) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("gait-console-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try "queue:\n\(queue)".write(to: url.appendingPathComponent("gait.yaml"), atomically: true, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// Answers for one helpfulness item.
    static let oneItem = "3\ny\ny\n"

    @Test func eightConsolesThroughPipesFillEveryItemWithThreeDistinctRaters() throws {
        let folder = try Folder(queue: "  lease_minutes: 15\n  gold_rate: 0\n")
        let workspace = try ConsoleFixture.workspace(path: folder.database)
        let items = try ConsoleFixture.queue(workspace, texts: (0..<300).map { "Answer number \($0)." }, overlap: 3)
        for index in 0..<8 { try workspace.addRater(name: "r\(index)", role: .rater) }
        let consoles = try (0..<8).map { index in
            try GaitProcess(["review", "--db", folder.database, "--rater", "r\(index)", "--seed", String(index)])
        }
        let script = String(repeating: Self.oneItem, count: items.count)
        for console in consoles {
            console.send(script)
            console.closeInput()
        }
        var rated = 0
        for (index, console) in consoles.enumerated() {
            let (status, out, err) = console.waitForExit(timeout: 240)
            #expect(status == 0, "r\(index) exited \(status): \(err)")
            #expect(err.isEmpty, "r\(index) wrote to stderr: \(err)")
            #expect(!out.contains("SQLITE_BUSY") && !out.contains("locked") && !out.contains("not saved"))
            #expect(out.contains("Nothing left to review for r\(index)."))
            let summary = try #require(out.split(separator: "\n").last { $0.hasPrefix("Session of r\(index): ") })
            rated += Int(summary.split(separator: " ")[3]) ?? 0
        }
        #expect(rated == 900)
        let perItem = try workspace.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, count(r.id), count(DISTINCT r.rater_id) FROM items i
                LEFT JOIN ratings r ON r.item_id = i.id AND r.retracted_at IS NULL GROUP BY i.id ORDER BY i.id
                """).map { [$0[0] as Int64, $0[1] as Int64, $0[2] as Int64] }
        }
        #expect(perItem.map { $0[0] } == items)
        let wrong = perItem.filter { $0[1] != 3 || $0[2] != 3 }
        #expect(wrong.isEmpty, "items without exactly 3 ratings from 3 raters: \(wrong.prefix(10))")
        let verify = try GaitBinary.run(["verify", "--db", folder.database])
        #expect(verify.status == 0, "\(verify.err)")
    }

    @Test func killedConsolesLoseOnlyTheItemInProgress() throws {
        // A 1.5-second lease, so killed consoles' items come back within the test.
        let folder = try Folder(queue: "  lease_minutes: 0.025\n  gold_rate: 0\n")
        let workspace = try ConsoleFixture.workspace(path: folder.database)
        let items = try ConsoleFixture.queue(workspace, texts: (0..<80).map { "Answer \($0)." }, overlap: 1)
        var generator = SystemRandomNumberGenerator()
        var abandoned: [(item: Int64, rater: String)] = []
        let kills = 24
        for round in 0..<kills {
            let rater = "k\(round)"
            try workspace.addRater(name: rater, role: .rater)
            let console = try GaitProcess(["review", "--db", folder.database, "--rater", rater, "--seed", String(round)])
            var offset = try #require(console.waitFor("helpful> "), "round \(round): no first question")
            var inProgress: Int64?
            if round % 3 == 2 {
                // At a random moment while the console works through pre-fed answers (maybe mid-commit).
                console.send(String(repeating: Self.oneItem, count: 3))
                usleep(UInt32.random(in: 0...40_000, using: &generator))
            } else {
                // At a known point: after whole items and part of the next one.
                for _ in 0..<Int.random(in: 0...2, using: &generator) {
                    console.send(Self.oneItem)
                    offset = try #require(console.waitFor("Saved item", from: offset), "round \(round): no save")
                    offset = try #require(console.waitFor("helpful> ", from: offset), "round \(round): no next item")
                }
                for _ in 0..<Int.random(in: 0...2, using: &generator) {
                    console.send("4\n")
                    offset = try #require(console.waitFor("> ", from: offset), "round \(round): no next question")
                }
                inProgress = Self.lastHeaderItem(console.stdout)
            }
            console.kill()
            let (status, out, _) = console.waitForExit(timeout: 30)
            #expect(status == 128 + SIGKILL, "round \(round): exit status \(status)")
            let savedItems = Self.savedItems(out)
            let (ratedItems, leasedItems) = try workspace.writer.read { db in
                (Set(try Int64.fetchAll(db, sql: """
                    SELECT r.item_id FROM ratings r JOIN raters ra ON ra.id = r.rater_id WHERE ra.name = ?
                    """, arguments: [rater])),
                 try Int64.fetchAll(db, sql: """
                    SELECT l.item_id FROM leases l JOIN raters ra ON ra.id = l.rater_id WHERE ra.name = ?
                    """, arguments: [rater]))
            }
            #expect(savedItems.isSubset(of: ratedItems), "round \(round): a saved rating is missing")
            // The one item in flight may have committed just before the kill, never more.
            #expect(ratedItems.count - savedItems.count <= 1, "round \(round)")
            #expect(leasedItems.count <= 1, "round \(round): \(leasedItems.count) leases left")
            if let inProgress {
                #expect(ratedItems == savedItems, "round \(round)")
                #expect(leasedItems == [inProgress], "round \(round): the item in progress should stay leased")
                abandoned.append((inProgress, rater))
            }
        }
        // Let every lease lapse, then one more rater takes everything left.
        let latest = try workspace.writer.read { db in try String.fetchOne(db, sql: "SELECT max(expires_at) FROM leases") }
        if let latest, let expiry = Timestamp.date(latest) {
            Thread.sleep(until: expiry.addingTimeInterval(0.2))
        }
        try workspace.addRater(name: "sweeper", role: .rater)
        let sweep = try GaitBinary.run(["review", "--db", folder.database, "--rater", "sweeper"],
                                       input: String(repeating: Self.oneItem, count: items.count))
        #expect(sweep.status == 0, "\(sweep.err)")
        let owners = try workspace.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, count(r.id), max(ra.name) FROM items i
                LEFT JOIN ratings r ON r.item_id = i.id AND r.retracted_at IS NULL
                LEFT JOIN raters ra ON ra.id = r.rater_id GROUP BY i.id
                """).reduce(into: [Int64: (Int, String?)]()) { $0[$1[0]] = ($1[1], $1[2]) }
        }
        #expect(owners.count == items.count)
        #expect(owners.values.allSatisfy { $0.0 == 1 }, "every item rated exactly once")
        #expect(abandoned.count >= 12)
        for (item, killer) in abandoned {
            let owner = owners[item]?.1
            #expect(owner != nil && owner != killer, "item \(item) abandoned by \(killer) ended with \(owner ?? "nobody")")
        }
        #expect(try workspace.queueStatus().liveLeases == 0)
        let verify = try GaitBinary.run(["verify", "--db", folder.database])
        #expect(verify.status == 0, "\(verify.err)")
        #expect(verify.out.hasPrefix("Verified "))
    }

    @Test func theConsoleInARealTerminal() throws {
        let folder = try Folder(queue: "  gold_rate: 0\n")
        let workspace = try ConsoleFixture.workspace(path: folder.database)
        let long = "This answer is deliberately long so that the console has to wrap it across several lines of the "
            + "terminal, at word boundaries. It also carries a terminal escape \u{1B}[2J that must show as text."
        try ConsoleFixture.queue(workspace, texts: [long])
        let socket = "gait-test-\(UUID().uuidString.prefix(8))"
        func tmux(_ arguments: [String]) throws -> String {
            let capture = folder.url.appendingPathComponent("tmux-output").path
            let (status, text) = try Spawn.run(["tmux", "-L", socket, "-f", "/dev/null"] + arguments, outputPath: capture)
            guard status == 0 else {
                throw ProcessTestError("tmux \(arguments.joined(separator: " ")) failed (\(status)): \(text) (is tmux installed? scripts/setup.sh installs it)")
            }
            return text
        }
        /// Captures the screen until it shows `text`, or gives up after 30 seconds.
        func screen(showing text: String, escapes: Bool = false) throws -> String {
            let deadline = Date().addingTimeInterval(30)
            var last = ""
            while Date() < deadline {
                last = try tmux(["capture-pane", "-p", "-J"] + (escapes ? ["-e"] : []) + ["-t", "review"])
                if last.contains(text) { return last }
                // The pane redraws asynchronously: poll it, briefly.
                usleep(50_000)
            }
            throw ProcessTestError("the screen never showed '\(text)'; it shows:\n\(last)")
        }
        let command = "env -u NO_COLOR TERM=xterm-256color '\(try GaitBinary.url.path)' review --db '\(folder.database)' --rater ana; echo CONSOLE-EXITED-$?; sleep 60"
        _ = try tmux(["new-session", "-d", "-s", "review", "-x", "72", "-y", "40", command])
        defer { _ = try? tmux(["kill-server"]) }
        let first = try screen(showing: "helpful> ")
        #expect(first.contains("[1/1] item 1 · crawl · helpfulness v1"))
        #expect(first.contains("\\u{1B}[2J"))
        let lines = try tmux(["capture-pane", "-p", "-t", "review"]).split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 72 })
        #expect(lines.contains { $0.hasPrefix("  This answer is deliberately long") && $0.count > 40 })
        let colored = try screen(showing: "helpful> ", escapes: true)
        #expect(colored.contains("\u{1B}["), "colors on a terminal")
        _ = try tmux(["send-keys", "-t", "review", "9", "Enter"])
        _ = try screen(showing: "'9' is not an answer here")
        for key in ["4", "y", "n"] { _ = try tmux(["send-keys", "-t", "review", key, "Enter"]) }
        let end = try screen(showing: "CONSOLE-EXITED-0")
        #expect(end.contains("Saved item 1."))
        #expect(end.contains("Session of ana: 1 rated, 0 skipped, 0 undone;"))
        #expect(try workspace.ratings().map(\.values) == [["helpful": "4", "correct": "yes", "accept": "no"]])
    }

    @Test func theCommandLineRefusesUnknownRatersAndLeadOnlyViews() throws {
        let folder = try Folder(queue: "  gold_rate: 0\n")
        let workspace = try ConsoleFixture.workspace(path: folder.database)
        try ConsoleFixture.queue(workspace, texts: ["One.", "Two."])
        let unknown = try GaitBinary.run(["review", "--db", folder.database, "--rater", "zed"], input: "3\n")
        #expect(unknown.status == 1)
        #expect(unknown.err == "Error: no rater named 'zed'; add them with `gait raters add zed`\n")
        #expect(unknown.out.isEmpty)
        let peek = try GaitBinary.run(["review", "--db", folder.database, "--rater", "ana", "--queue-of", "ben"])
        #expect(peek.status == 1)
        #expect(peek.err == "Error: ana is a rater, not a lead; only leads can view another rater's queue (register a lead with `gait raters add NAME --role lead`)\n")
        let view = try GaitBinary.run(["review", "--db", folder.database, "--rater", "lee", "--queue-of", "ben"])
        #expect(view.out == "Queue of ben (rater): 2 items open, 0 gold items open.\nNo live leases.\n")
        let gold = try GaitBinary.run(["gold", "add", "1", "--expect", "helpful=9", "--lead", "lee", "--db", folder.database])
        #expect(gold.status == 65)
        #expect(gold.err == "Error: gold answers of item 1: helpful: '9' is not on the scale; allowed: an integer from 1 to 5\n")
        #expect(try GaitBinary.run(["gold", "add", "1", "--expect", "helpful=4", "--lead", "lee", "--db", folder.database]).out
            == "Item 1 is now gold (1 expected answers).\n")
        let session = try GaitBinary.run(["review", "--db", folder.database, "--rater", "ana", "--limit", "1"], input: "4\nyes\nyes\n")
        #expect(session.status == 0)
        let shown = try GaitBinary.run(["raters", "show", "ana", "--db", folder.database, "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as? [String: Any]
        #expect(report?["ratings"] as? Int == 1)
        let status = try GaitBinary.run(["status", "--db", folder.database])
        #expect(status.out.contains("crawl  helpfulness v1  faq    2      1     1        0            1"), "\(status.out)")
        #expect(status.out.hasSuffix("Leases: 0 live, 0 expired.\n"))
        let json = try GaitBinary.run(["status", "--db", folder.database, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.first?["complete"] as? Int == 1 && groups.first?["pending"] as? Int == 1 && groups.first?["gold"] as? Int == 1)
        #expect(object["liveLeases"] as? Int == 0)
        let goldFile = folder.url.appendingPathComponent("gold.jsonl")
        try #"{"id": "g1", "prompt": "Capital of France?", "answer": "Paris.", "expected": {"correct": "yes"}}"#
            .write(to: goldFile, atomically: true, encoding: .utf8)
        let imported = try GaitBinary.run(["gold", "add", "--file", goldFile.path, "--set", "gold", "--rubric", "helpfulness",
                                           "--lead", "lee", "--db", folder.database])
        #expect(imported.out == "Imported 1 gold items into set 'gold' (helpfulness, crawl, overlap 3).\n", "\(imported.err)")
        let neither = try GaitBinary.run(["gold", "add", "--lead", "lee", "--db", folder.database])
        #expect(neither.status == 64)
        #expect(neither.err.hasPrefix("Error: give an ITEM with --expect, or --file FILE\n"))
    }

    static func savedItems(_ output: String) -> Set<Int64> {
        Set(output.split(separator: "\n").compactMap { line -> Int64? in
            guard let range = line.range(of: "Saved item ") else { return nil }
            return Int64(line[range.upperBound...].prefix { $0.isNumber })
        })
    }

    static func lastHeaderItem(_ output: String) -> Int64? {
        output.split(separator: "\n").last { $0.hasPrefix("[") && $0.contains("] item ") }.flatMap { line in
            line.range(of: "] item ").flatMap { Int64(line[$0.upperBound...].prefix { $0.isNumber }) }
        }
    }
}

import Foundation
import GaitCore
import GRDB
import Testing
@testable import GaitStore

@Suite struct CatalogTests {
    let rubricV1 = """
        name: tone
        version: 1
        instructions: Judge the tone.
        criteria:
          - id: polite
            question: Is it polite?
            scale: {type: binary}
            acceptance: true
        """

    @Test func rubricVersionsAreImmutable() throws {
        let workspace = try Workspace.inMemory()
        #expect(try workspace.importRubric(yaml: rubricV1, source: "tone.yaml") == .added(name: "tone", version: 1))
        #expect(try workspace.importRubric(yaml: rubricV1, source: "tone.yaml") == .unchanged(name: "tone", version: 1))
        let changed = rubricV1.replacingOccurrences(of: "Judge the tone.", with: "Judge the tone carefully.")
        #expect(throws: StoreError.refused("tone.yaml: rubric 'tone' version 1 is already registered with different content; versions are immutable, so give the changed rubric version 2")) {
            try workspace.importRubric(yaml: changed, source: "tone.yaml")
        }
        let v2 = changed.replacingOccurrences(of: "version: 1", with: "version: 2")
        #expect(try workspace.importRubric(yaml: v2, source: "tone.yaml") == .added(name: "tone", version: 2))
        let newest = try workspace.rubric(named: "tone")
        #expect(newest.rubric.version == 2)
        let first = try workspace.rubric(named: "tone", version: 1)
        #expect(first.rubric.instructions == "Judge the tone.")
        #expect(first.id != newest.id)
        #expect(throws: StoreError.notFound(kind: "rubric", name: "tone v3", hint: "see `gait rubrics list`, or register it with `gait rubrics import FILE`")) {
            try workspace.rubric(named: "tone", version: 3)
        }
    }

    @Test func ratersHaveUniqueValidNames() throws {
        let workspace = try Workspace.inMemory()
        try workspace.addRater(name: "ana", role: .lead)
        try workspace.addRater(name: "bo.b-2", role: .rater)
        #expect(try workspace.raters().map(\.name) == ["ana", "bo.b-2"])
        #expect(throws: StoreError.alreadyExists(kind: "rater", name: "ana", hint: "see `gait raters list`")) {
            try workspace.addRater(name: "ana", role: .rater)
        }
        for bad in ["", "two words", "-dash", String(repeating: "x", count: 65), "semi;colon"] {
            #expect(throws: InputError.self) { try workspace.addRater(name: bad, role: .rater) }
        }
        #expect(throws: StoreError.notFound(kind: "rater", name: "cy", hint: "add them with `gait raters add cy`")) {
            try workspace.rater(named: "cy")
        }
    }

    /// Everything in the database, table by table, to compare before and after.
    static func snapshot(_ workspace: Workspace) throws -> [String: [[String]]] {
        try workspace.writer.read { db in
            var result: [String: [[String]]] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                // Every row in a stable order (WITHOUT ROWID tables have no rowid; sorted instead).
                result[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { row in
                    row.databaseValues.map(\.description)
                }.sorted { $0.lexicographicallyPrecedes($1) }
            }
            return result
        }
    }

    @Test func aBadLineLeavesTheDatabaseExactlyAsBefore() throws {
        let directory = try TemporaryDirectory()
        let (workspace, _) = try Workspace.initialize(path: directory.path("w.sqlite"))
        try workspace.importPrompts([Prompt(id: "kept", text: "Already here")], into: "s", source: "first.jsonl")
        let before = try Self.snapshot(workspace)
        var lines = (1...100).map { #"{"id": "p\#($0)", "prompt": "Prompt \#($0)", "attributes": {"language": "en"}}"# }
        lines[56] = #"{"id": "p57", "prompt": 57}"#
        let data = Data(lines.joined(separator: "\n").utf8)
        do {
            let prompts = try PromptFile.parse(data, source: "big.jsonl")
            try workspace.importPrompts(prompts, into: "s", source: "big.jsonl")
            Issue.record("the bad line was accepted")
        } catch {
            #expect("\(error)" == "big.jsonl:57: prompt: expected a string, found a number")
        }
        #expect(try Self.snapshot(workspace) == before)

        // A prompt id already in the set is refused as a whole, too.
        lines[56] = #"{"id": "kept", "prompt": "again"}"#
        let prompts = try PromptFile.parse(Data(lines.joined(separator: "\n").utf8), source: "big.jsonl")
        #expect(throws: InputError(source: "big.jsonl", key: "id", problem: "prompt 'kept' is already in set 's'; nothing was imported")) {
            try workspace.importPrompts(prompts, into: "s", source: "big.jsonl")
        }
        #expect(try Self.snapshot(workspace) == before)
    }

    @Test func importedPromptsKeepEveryField() throws {
        let workspace = try Workspace.inMemory()
        let prompt = Prompt(id: "nurse-f", text: "Write a bio of Maria.", attributes: ["gender": "female", "language": "en"],
                            scope: "bios", counterfactualGroup: "nurse", reference: "Maria is a nurse.")
        try workspace.importPrompts([prompt, Prompt(id: "q", text: "Why?", scope: "faq")], into: "demo", source: "d.jsonl")
        #expect(try workspace.prompts(inSet: "demo").map(\.prompt) == [prompt, Prompt(id: "q", text: "Why?", scope: "faq")])
        #expect(try workspace.prompts(inSet: "demo", scope: "faq").map(\.prompt.id) == ["q"])
        let sets = try workspace.promptSets()
        #expect(sets.map(\.name) == ["demo"])
        #expect(sets.first?.prompts == 2)
        #expect(sets.first?.scopes == ["bios", "faq"])
        #expect(throws: StoreError.self) { try workspace.prompts(inSet: "nope") }
    }

    @Test func emptyAndNonASCIITextIsStoredAsGivenAndVerifies() throws {
        let workspace = try Workspace.inMemory()
        let prompts = [
            Prompt(id: "es-1", text: "¿Quién escribió «Cien años de soledad»? 📚", attributes: ["dialect": "", "language": "es"],
                   reference: ""),
            Prompt(id: "ok", text: "Plain"),
        ]
        try workspace.importPrompts(prompts, into: "mixed", source: "m.jsonl")
        // A second import into the same set continues its row ids.
        try workspace.importPrompts([Prompt(id: "later", text: "Again", attributes: ["gender": "male"])], into: "mixed",
                                    source: "n.jsonl")
        #expect(try workspace.prompts(inSet: "mixed").map(\.prompt) == prompts + [Prompt(id: "later", text: "Again",
                                                                                          attributes: ["gender": "male"])])
        let stored = try workspace.writer.read { db in
            (try String.fetchOne(db, sql: "SELECT typeof(reference) FROM prompts WHERE external_id = 'es-1'"),
             try String.fetchOne(db, sql: "SELECT typeof(value) FROM prompt_attributes WHERE name = 'dialect'"))
        }
        #expect(stored.0 == "text" && stored.1 == "text")
        let report = try workspace.verify()
        #expect(report.passed, "\(report)")
    }
}

@Suite struct AuditLogTests {
    func populated() throws -> Workspace {
        let workspace = try Workspace.inMemory()
        try workspace.addRater(name: "ana", role: .lead)
        try workspace.importPrompts([Prompt(id: "a", text: "First", attributes: ["gender": "female"]),
                                     Prompt(id: "b", text: "Second")], into: "s", source: "p.jsonl")
        try workspace.addRater(name: "bo", role: .rater)
        return workspace
    }

    @Test func anUntouchedLogVerifies() throws {
        let report = try populated().verify()
        #expect(report.passed)
        #expect(report.events == 3)
        #expect(report.rows == 2 + 1 + 2 + 1)
        #expect(report.integrity == "ok")
    }

    static let tampering: [(String, String)] = [
        ("UPDATE prompts SET text = 'Changed' WHERE external_id = 'a'",
         "event 2 (prompts.import): the rows it recorded no longer match its content hash; they were changed after it was written"),
        ("UPDATE prompt_attributes SET value = 'male'",
         "event 2 (prompts.import): the rows it recorded no longer match its content hash; they were changed after it was written"),
        ("DELETE FROM prompts WHERE external_id = 'b'",
         "event 2 (prompts.import): the rows it recorded no longer match its content hash; they were changed after it was written"),
        ("UPDATE raters SET role = 'lead' WHERE name = 'bo'",
         "event 3 (raters.add): the rows it recorded no longer match its content hash; they were changed after it was written"),
        // The same digits stored as an integer instead of text are a change too.
        ("UPDATE raters SET created_at = 5 WHERE name = 'bo'",
         "event 3 (raters.add): the rows it recorded no longer match its content hash; they were changed after it was written"),
        ("UPDATE prompts SET reference = X'00ff' WHERE external_id = 'a'",
         "event 2 (prompts.import): the rows it recorded no longer match its content hash; they were changed after it was written"),
        ("UPDATE audit_events SET detail = 'something else' WHERE id = 1",
         "event 1 (raters.add): the rows it recorded no longer match its content hash; they were changed after it was written"),
        ("DELETE FROM audit_events WHERE id = 2",
         "a row of prompt_sets names event 2, which is not in the log"),
        ("DELETE FROM audit_events WHERE id = 3",
         "a row of raters names event 3, which is not in the log"),
        ("UPDATE audit_events SET prev_hash = '\(String(repeating: "b", count: 64))' WHERE id = 2",
         "event 2 (prompts.import): its previous hash does not match event before it; the log was changed"),
        ("UPDATE audit_events SET hash = '\(String(repeating: "a", count: 64))' WHERE id = 3",
         "event 3 (raters.add): its hash does not follow from its content; the log was changed"),
        ("INSERT INTO raters (name, role, created_at, event_id) VALUES ('eve', 'lead', '2026-01-01T00:00:00.000Z', 1)",
         "event 1 (raters.add): the rows it recorded no longer match its content hash; they were changed after it was written"),
    ]

    @Test(arguments: tampering)
    func changesBehindGaitsBackAreFound(sql: String, problem: String) throws {
        let workspace = try populated()
        try workspace.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: sql)
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let report = try workspace.verify()
        #expect(!report.passed)
        #expect(report.firstProblem == problem)
    }

    @Test func aRowNamingAMissingEventIsFound() throws {
        let workspace = try populated()
        try workspace.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "INSERT INTO raters (name, role, created_at, event_id) VALUES ('eve', 'lead', 'x', 99)")
        }
        #expect(try workspace.verify().firstProblem == "a row of raters names event 99, which is not in the log")
    }

    @Test func eventsChainFromTheGenesisHash() throws {
        let workspace = try populated()
        let chain = try workspace.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT prev_hash, hash FROM audit_events ORDER BY id").map { ($0[0] as String, $0[1] as String) }
        }
        #expect(chain.first?.0 == AuditLog.genesis)
        for index in 1..<chain.count { #expect(chain[index].0 == chain[index - 1].1) }
    }
}

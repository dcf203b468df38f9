import Foundation
import GaitCore
import GRDB
import Kernels

/// A registered rater.
public struct RaterInfo: Sendable, Hashable, Codable {
    public var id: Int64
    public var name: String
    public var role: RaterRole
    public var createdAt: String
}

/// A registered rubric version.
public struct RubricInfo: Sendable, Hashable {
    public var id: Int64
    public var rubric: Rubric
    public var sourceSHA256: String
    public var createdAt: String
}

/// A prompt set and how many prompts it holds.
public struct PromptSetInfo: Sendable, Hashable, Codable {
    public var id: Int64
    public var name: String
    public var prompts: Int
    public var scopes: [String]
    public var createdAt: String
}

/// What importing a rubric file did.
public enum RubricImportOutcome: Sendable, Hashable {
    case added(name: String, version: Int)
    case unchanged(name: String, version: Int)
}

extension RaterRole: DatabaseValueConvertible {}
extension Stage: DatabaseValueConvertible {}

extension Workspace {
    // MARK: Raters

    /// Registers a rater.
    ///
    /// - Throws: `InputError` for an invalid name; `StoreError.alreadyExists` for a taken one.
    @discardableResult
    public func addRater(name: String, role: RaterRole, actor: String = "system") throws -> RaterInfo {
        guard Identifier.isValid(name) else {
            throw InputError(source: "rater name", problem: "'\(name)' is not a valid name (1–64 letters, digits, '-', '_', '.', starting with a letter or digit)")
        }
        let now = clock()
        return try writer.write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM raters WHERE name = ?", arguments: [name]) != nil {
                throw StoreError.alreadyExists(kind: "rater", name: name, hint: "see `gait raters list`")
            }
            return try AuditLog.record(db, at: now, actor: actor, kind: "raters.add", detail: "\(name) as \(role.rawValue)") { event in
                try db.execute(sql: "INSERT INTO raters (name, role, created_at, event_id) VALUES (?, ?, ?, ?)",
                               arguments: [name, role, Timestamp.string(now), event.id])
                return RaterInfo(id: db.lastInsertedRowID, name: name, role: role, createdAt: Timestamp.string(now))
            }
        }
    }

    /// Every rater, by name.
    public func raters() throws -> [RaterInfo] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, role, created_at FROM raters ORDER BY name").map {
                RaterInfo(id: $0[0], name: $0[1], role: $0[2], createdAt: $0[3])
            }
        }
    }

    /// The rater with this name.
    ///
    /// - Throws: `StoreError.notFound` with the hint to add the rater first.
    public func rater(named name: String) throws -> RaterInfo {
        try writer.read { db in try Self.rater(db, named: name) }
    }

    static func rater(_ db: Database, named name: String) throws -> RaterInfo {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, name, role, created_at FROM raters WHERE name = ?",
                                         arguments: [name]) else {
            throw StoreError.notFound(kind: "rater", name: name, hint: "add them with `gait raters add \(name)`")
        }
        return RaterInfo(id: row[0], name: row[1], role: row[2], createdAt: row[3])
    }

    // MARK: Rubrics

    /// Registers a rubric version from its YAML text.
    ///
    /// Versions are immutable: the same name and version with the same text is `unchanged`; with
    /// different text it is refused (write a new version instead).
    public func importRubric(yaml text: String, source: String, actor: String = "system") throws -> RubricImportOutcome {
        let rubric = try Rubric.parse(yaml: text, source: source)
        let digest = SHA256.hexHash(text)
        let now = clock()
        return try writer.write { db in
            if let existing = try String.fetchOne(
                db, sql: "SELECT source_sha256 FROM rubric_versions WHERE name = ? AND version = ?",
                arguments: [rubric.name, rubric.version]) {
                if existing == digest { return .unchanged(name: rubric.name, version: rubric.version) }
                throw StoreError.refused(
                    "\(source): rubric '\(rubric.name)' version \(rubric.version) is already registered with different content; versions are immutable, so give the changed rubric version \(rubric.version + 1)")
            }
            try AuditLog.record(db, at: now, actor: actor, kind: "rubrics.import",
                                detail: "\(rubric.name) v\(rubric.version)") { event in
                try db.execute(
                    sql: """
                        INSERT INTO rubric_versions (name, version, pairwise, source, source_sha256, created_at, event_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [rubric.name, rubric.version, rubric.pairwise, text, digest, Timestamp.string(now), event.id])
                let rubricID = db.lastInsertedRowID
                for (position, criterion) in rubric.criteria.enumerated() {
                    let range = criterion.scale.numericRange
                    let isRanged: Bool = switch criterion.scale {
                    case .ordinal, .interval: true
                    default: false
                    }
                    try db.execute(
                        sql: """
                            INSERT INTO criteria (rubric_version_id, position, key, question, scale_type, scale_min,
                                                  scale_max, options, acceptance, event_id)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [rubricID, position, criterion.id, criterion.question, criterion.scale.typeName,
                                    isRanged ? range?.lowerBound : nil, isRanged ? range?.upperBound : nil,
                                    criterion.scale.options?.joined(separator: "\n"), criterion.isAcceptance, event.id])
                }
            }
            return .added(name: rubric.name, version: rubric.version)
        }
    }

    /// Every rubric version, by name then version.
    public func rubrics() throws -> [RubricInfo] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, source, source_sha256, created_at, name FROM rubric_versions ORDER BY name, version")
                .map { row in
                    RubricInfo(id: row[0], rubric: try Rubric.parse(yaml: row[1], source: "rubric '\(row[4] as String)' in the workspace"),
                               sourceSHA256: row[2], createdAt: row[3])
                }
        }
    }

    /// The newest version of the named rubric, or the given version.
    public func rubric(named name: String, version: Int? = nil) throws -> RubricInfo {
        try writer.read { db in try Self.rubric(db, named: name, version: version) }
    }

    static func rubric(_ db: Database, named name: String, version: Int? = nil) throws -> RubricInfo {
        let row: Row?
        if let version {
            row = try Row.fetchOne(db, sql: "SELECT id, source, source_sha256, created_at FROM rubric_versions WHERE name = ? AND version = ?",
                                   arguments: [name, version])
        } else {
            row = try Row.fetchOne(db, sql: "SELECT id, source, source_sha256, created_at FROM rubric_versions WHERE name = ? ORDER BY version DESC LIMIT 1",
                                   arguments: [name])
        }
        guard let row else {
            throw StoreError.notFound(kind: "rubric", name: version.map { "\(name) v\($0)" } ?? name,
                                      hint: "see `gait rubrics list`, or register it with `gait rubrics import FILE`")
        }
        return RubricInfo(id: row[0], rubric: try Rubric.parse(yaml: row[1], source: "rubric '\(name)' in the workspace"),
                          sourceSHA256: row[2], createdAt: row[3])
    }

    /// The rubric version with this row id.
    public func rubric(id: Int64) throws -> RubricInfo {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, source, source_sha256, created_at, name FROM rubric_versions WHERE id = ?",
                                             arguments: [id]) else {
                throw StoreError.notFound(kind: "rubric version", name: String(id), hint: "see `gait rubrics list`")
            }
            return RubricInfo(id: row[0], rubric: try Rubric.parse(yaml: row[1], source: "rubric '\(row[4] as String)' in the workspace"),
                              sourceSHA256: row[2], createdAt: row[3])
        }
    }

    // MARK: Prompt sets

    /// Imports prompts into a set (created if new), all or nothing, with one audit event.
    ///
    /// - Throws: `InputError` for the first bad line (nothing is imported), or when an id is
    ///   already in the set.
    @discardableResult
    public func importPrompts(_ prompts: [Prompt], into setName: String, source: String,
                              actor: String = "system") throws -> Int {
        guard Identifier.isValid(setName) else {
            throw InputError(source: "--set", problem: "'\(setName)' is not a valid set name (letters, digits, '-', '_', '.')")
        }
        let now = clock()
        let stamp = Timestamp.string(now)
        return try writer.write { db in
            // The whole file is one transaction: a page cache large enough for it keeps SQLite
            // from spilling half-built index pages to the log and writing them again later.
            let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = -262144")
            defer { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") }
            return try AuditLog.record(db, at: now, actor: actor, kind: "prompts.import",
                                       detail: "\(prompts.count) prompts into \(setName) from \(source)") { event, content in
                let setID: Int64
                if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM prompt_sets WHERE name = ?", arguments: [setName]) {
                    setID = existing
                } else {
                    setID = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM prompt_sets") ?? 0) + 1
                    let insertSet = try db.makeStatement(
                        sql: "INSERT INTO prompt_sets (id, name, created_at, event_id) VALUES (?, ?, ?, ?)")
                    content.row("prompt_sets", insertSet)
                    content.int(setID)
                    content.text(setName)
                    content.text(stamp)
                    content.bind(event.id)
                    try content.insert(db)
                }
                let existingIDs = Set(try String.fetchAll(db, sql: "SELECT external_id FROM prompts WHERE set_id = ?",
                                                          arguments: [setID]))
                // Row ids are given explicitly, so the prompts can all be written (and hashed)
                // before their attributes: the audit log's canonical order.
                let firstID = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM prompts") ?? 0) + 1
                let insertPrompt = try db.makeStatement(sql: """
                    INSERT INTO prompts (id, set_id, external_id, text, scope, counterfactual_group, reference, event_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for (offset, prompt) in prompts.enumerated() {
                    if existingIDs.contains(prompt.id) {
                        throw InputError(source: source, key: "id",
                                         problem: "prompt '\(prompt.id)' is already in set '\(setName)'; nothing was imported")
                    }
                    content.row("prompts", insertPrompt)
                    content.int(firstID + Int64(offset))
                    content.int(setID)
                    content.text(prompt.id)
                    content.text(prompt.text)
                    content.text(prompt.scope)
                    content.text(prompt.counterfactualGroup)
                    content.text(prompt.reference)
                    content.bind(event.id)
                    try content.insert(db)
                }
                let insertAttribute = try db.makeStatement(
                    sql: "INSERT INTO prompt_attributes (prompt_id, name, value, event_id) VALUES (?, ?, ?, ?)")
                for (offset, prompt) in prompts.enumerated() where !prompt.attributes.isEmpty {
                    for (name, value) in prompt.attributes.sorted(by: { $0.key < $1.key }) {
                        content.row("prompt_attributes", insertAttribute)
                        content.int(firstID + Int64(offset))
                        content.text(name)
                        content.text(value)
                        content.bind(event.id)
                        try content.insert(db)
                    }
                }
                return prompts.count
            }
        }
    }

    /// Every prompt set with its size and scopes.
    public func promptSets() throws -> [PromptSetInfo] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.id, s.name, s.created_at, count(p.id)
                FROM prompt_sets s LEFT JOIN prompts p ON p.set_id = s.id
                GROUP BY s.id ORDER BY s.name
                """).map { row in
                let scopes = try String.fetchAll(
                    db, sql: "SELECT DISTINCT scope FROM prompts WHERE set_id = ? AND scope IS NOT NULL ORDER BY scope",
                    arguments: [row[0] as Int64])
                return PromptSetInfo(id: row[0], name: row[1], prompts: row[3], scopes: scopes, createdAt: row[2])
            }
        }
    }

    /// The prompts of a set in import order, with their row ids.
    public func prompts(inSet name: String, scope: String? = nil) throws -> [(rowID: Int64, prompt: Prompt)] {
        try writer.read { db in
            guard let setID = try Int64.fetchOne(db, sql: "SELECT id FROM prompt_sets WHERE name = ?", arguments: [name]) else {
                throw StoreError.notFound(kind: "prompt set", name: name,
                                          hint: "see `gait prompts list`, or import one with `gait prompts import FILE --set \(name)`")
            }
            var attributes: [Int64: [String: String]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT a.prompt_id, a.name, a.value FROM prompt_attributes a JOIN prompts p ON p.id = a.prompt_id
                WHERE p.set_id = ?
                """, arguments: [setID]) {
                attributes[row[0], default: [:]][row[1]] = row[2]
            }
            var sql = "SELECT id, external_id, text, scope, counterfactual_group, reference FROM prompts WHERE set_id = ?"
            var arguments: StatementArguments = [setID]
            if let scope {
                sql += " AND scope = ?"
                arguments += [scope]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map { row in
                let id: Int64 = row[0]
                return (id, Prompt(id: row[1], text: row[2], attributes: attributes[id] ?? [:], scope: row[3],
                                   counterfactualGroup: row[4], reference: row[5]))
            }
        }
    }
}

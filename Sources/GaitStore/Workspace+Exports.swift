import Foundation
import GaitCore
import GRDB

/// A generated candidate as fine-tuning needs it: its text and where it came from.
public struct TuningCandidate: Sendable, Hashable {
    public var id: Int64
    public var runID: Int64
    public var promptRowID: Int64
    /// Its index among the `n` candidates of its prompt in its run.
    public var index: Int
    public var text: String
}

/// A prompt as fine-tuning needs it: its text, set, slices and counterfactual group.
public struct TuningPrompt: Sendable, Hashable {
    public var rowID: Int64
    public var setName: String
    /// The prompt's id within its set.
    public var externalID: String
    public var text: String
    public var scope: String?
    public var counterfactualGroup: String?
    public var attributes: [String: String]

    public init(rowID: Int64, setName: String, externalID: String, text: String, scope: String?,
                counterfactualGroup: String?, attributes: [String: String]) {
        self.rowID = rowID
        self.setName = setName
        self.externalID = externalID
        self.text = text
        self.scope = scope
        self.counterfactualGroup = counterfactualGroup
        self.attributes = attributes
    }
}

/// A rater's corrected answer, attached to one of their ratings.
public struct TuningCorrection: Sendable, Hashable {
    public var ratingID: Int64
    public var text: String
}

/// A recorded fine-tuning export.
public struct ExportInfo: Sendable, Hashable, Codable {
    public var id: Int64
    public var path: String
    public var manifestSHA256: String
    public var trainRows: Int
    public var evalRows: Int
    public var createdAt: String
    /// The audit event that recorded it.
    public var eventID: Int64
}

extension Workspace {
    /// The candidates with these ids (missing ids are absent from the result).
    public func candidatesForTuning(ids: Set<Int64>) throws -> [Int64: TuningCandidate] {
        guard !ids.isEmpty else { return [:] }
        return try writer.read { db in
            var result: [Int64: TuningCandidate] = [:]
            for chunk in Self.chunks(ids.sorted()) {
                for row in try Row.fetchAll(
                    db, sql: "SELECT id, run_id, prompt_id, idx, text FROM candidates WHERE id IN (\(Self.placeholders(chunk.count)))",
                    arguments: StatementArguments(chunk)) {
                    let candidate = TuningCandidate(id: row[0], runID: row[1], promptRowID: row[2], index: row[3], text: row[4])
                    result[candidate.id] = candidate
                }
            }
            return result
        }
    }

    /// The prompts with these row ids, plus every prompt of the same set that shares a
    /// counterfactual group with one of them (the counterparts bias feedback writes answers for).
    public func promptsForTuning(rowIDs: Set<Int64>) throws -> [Int64: TuningPrompt] {
        guard !rowIDs.isEmpty else { return [:] }
        return try writer.read { db in
            var wanted = rowIDs
            for chunk in Self.chunks(rowIDs.sorted()) {
                let counterparts = try Int64.fetchAll(db, sql: """
                    SELECT q.id FROM prompts p
                    JOIN prompts q ON q.set_id = p.set_id AND q.counterfactual_group = p.counterfactual_group
                    WHERE p.id IN (\(Self.placeholders(chunk.count))) AND p.counterfactual_group IS NOT NULL
                    """, arguments: StatementArguments(chunk))
                wanted.formUnion(counterparts)
            }
            var result: [Int64: TuningPrompt] = [:]
            for chunk in Self.chunks(wanted.sorted()) {
                let list = Self.placeholders(chunk.count)
                for row in try Row.fetchAll(db, sql: """
                    SELECT p.id, s.name, p.external_id, p.text, p.scope, p.counterfactual_group
                    FROM prompts p JOIN prompt_sets s ON s.id = p.set_id WHERE p.id IN (\(list))
                    """, arguments: StatementArguments(chunk)) {
                    let prompt = TuningPrompt(rowID: row[0], setName: row[1], externalID: row[2], text: row[3], scope: row[4],
                                              counterfactualGroup: row[5], attributes: [:])
                    result[prompt.rowID] = prompt
                }
                for row in try Row.fetchAll(db, sql: "SELECT prompt_id, name, value FROM prompt_attributes WHERE prompt_id IN (\(list))",
                                            arguments: StatementArguments(chunk)) {
                    result[row[0] as Int64]?.attributes[row[1]] = row[2]
                }
            }
            return result
        }
    }

    /// The corrected answers attached to these ratings.
    public func corrections(forRatings ratingIDs: Set<Int64>) throws -> [Int64: TuningCorrection] {
        guard !ratingIDs.isEmpty else { return [:] }
        return try writer.read { db in
            var result: [Int64: TuningCorrection] = [:]
            for chunk in Self.chunks(ratingIDs.sorted()) {
                for row in try Row.fetchAll(db, sql: "SELECT rating_id, text FROM corrections WHERE rating_id IN (\(Self.placeholders(chunk.count)))",
                                            arguments: StatementArguments(chunk)) {
                    let correction = TuningCorrection(ratingID: row[0], text: row[1])
                    result[correction.ratingID] = correction
                }
            }
            return result
        }
    }

    /// Records a finished export folder with one audit event (`tune.export`).
    ///
    /// - Parameters:
    ///   - path: where the export folder is, as the user named it.
    ///   - manifestSHA256: the hash of its `manifest.json`, which holds the hash of every other file.
    @discardableResult
    public func recordExport(path: String, manifestSHA256: String, trainRows: Int, evalRows: Int,
                             actor: String = "system") throws -> ExportInfo {
        let now = clock()
        let stamp = Timestamp.string(now)
        return try writer.write { db in
            try AuditLog.record(db, at: now, actor: actor, kind: "tune.export",
                                detail: "\(trainRows) train and \(evalRows) eval rows to \(path)") { event in
                try db.execute(
                    sql: """
                        INSERT INTO exports (path, manifest_sha256, train_rows, eval_rows, created_at, event_id)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [path, manifestSHA256, trainRows, evalRows, stamp, event.id])
                return ExportInfo(id: db.lastInsertedRowID, path: path, manifestSHA256: manifestSHA256,
                                  trainRows: trainRows, evalRows: evalRows, createdAt: stamp, eventID: event.id)
            }
        }
    }

    /// Every recorded export, oldest first.
    public func exports() throws -> [ExportInfo] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, path, manifest_sha256, train_rows, eval_rows, created_at, event_id FROM exports ORDER BY id
                """).map {
                ExportInfo(id: $0[0], path: $0[1], manifestSHA256: $0[2], trainRows: $0[3], evalRows: $0[4],
                           createdAt: $0[5], eventID: $0[6])
            }
        }
    }

    /// Splits ids into chunks that stay under SQLite's (and PostgreSQL's) bound-parameter limits.
    private static func chunks(_ ids: [Int64]) -> [[Int64]] {
        stride(from: 0, to: ids.count, by: 500).map { Array(ids[$0..<min($0 + 500, ids.count)]) }
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

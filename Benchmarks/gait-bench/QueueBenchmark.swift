// The review queue under 8 concurrent raters, compared in the same run with raw single-row
// transactional inserts into the same kind of database (WAL, synchronous NORMAL, busy timeout)
// in the same folder (same disk).
//
//   swift run -c release gait-bench queue [ITEMS] [RATERS] [DIR] [--rounds N]
//
// Each rater is a thread with its own connection pool, as separate console processes would be.
// The console's step from one item to the next is a submit and a claim: the rating's submit and
// the claim of the rater's next item share one BEGIN IMMEDIATE transaction (with the rating's
// audit event). The figure the target is stated in, claims + submits per second, counts both
// operations of each step (a rater's first claim is one alone); items rated per second counts
// each step once. A raw operation is one INSERT in its own BEGIN IMMEDIATE transaction.
//
// Workspaces open their files through Gait's VFS (`LogWrites`), which hands a transaction's log
// frames to the file system in one write; the raw inserts the ratio is taken against go through
// the same VFS, and a second raw run through SQLite's own VFS shows what that VFS is worth.
//
// Queue and raw runs alternate for N rounds (default 3), each queue run on a fresh workspace,
// and the medians are reported: on a shared 2-core machine either rate swings by a fifth between
// seconds, so one pair of runs says little. A last measurement runs the step's writes alone —
// the same rows into a workspace of the same schema, with fixed values and no reads, checks,
// planning or hashing — to tell SQLite's share of the step from Gait's.
import Foundation
import GaitCore
import GaitStore
import GRDB

@Sendable func queueBenchmark(_ arguments: [String]) async throws {
    try runQueueBenchmark(arguments)
}

/// The benchmark body, synchronous: every rater is a thread of its own.
private func runQueueBenchmark(_ arguments: [String]) throws {
    var positional = arguments
    var rounds = 3
    if let flag = positional.firstIndex(of: "--rounds") {
        guard flag + 1 < positional.count, let count = Int(positional[flag + 1]), count > 0 else {
            throw BenchmarkUsage("--rounds takes a positive number of rounds")
        }
        rounds = count
        positional.removeSubrange(flag...(flag + 1))
    }
    let items = positional.count > 0 ? Int(positional[0]) ?? 1000 : 1000
    let raters = positional.count > 1 ? Int(positional[1]) ?? 8 : 8
    let overlap = min(3, raters)
    let base = positional.count > 2 ? URL(fileURLWithPath: positional[2]) : FileManager.default.temporaryDirectory
    let folder = base.appendingPathComponent("gait-queue-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let operations = items * overlap
    let perWriter = operations / raters

    var queueRuns: [(seconds: Double, cpu: Double)] = []
    var rawRuns: [(seconds: Double, cpu: Double)] = []
    var stockRuns: [Double] = []
    let logWrites = LogWriteTotals()
    for round in 0..<rounds {
        // The queue, on a workspace of its own.
        let path = folder.appendingPathComponent("queue-\(round).sqlite").path
        let workspace = try queuedWorkspace(path, items: items, raters: raters, overlap: overlap)
        let answers = ["helpful": "4", "correct": "yes", "accept": "yes"]
        let seconds = try onThreads(raters) { index in
            let rater = try Workspace.open(path: path)
            var session = try rater.startReviewSession(rater: "r\(index)", filter: QueueFilter(),
                                                       settings: QueueSettings(goldRate: 0), seed: Int64(index))
            // As the console works: the first claim alone, then each submit takes the next item
            // in the same transaction.
            var sequence = 0
            var next = try rater.claimNextItem(in: &session, sequence: sequence)
            while let item = next {
                sequence += 1
                let now = Date()
                next = try rater.submitRating(RatingDraft(itemID: item.itemID, values: answers, shownAt: now,
                                                          firstAnswerAt: now, activeSeconds: 1),
                                              in: &session, thenClaim: sequence).next
            }
            try rater.endReviewSession(session)
            if let counts = rater.writer.writeWithoutTransaction({ db in LogWrites.counts(db) }) {
                logWrites.add((counts.requested, counts.written))
            }
        }
        queueRuns.append((seconds, lastCPUSeconds))
        let stored = try workspace.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ratings") ?? 0 }
        guard stored == operations else {
            throw QueueBenchmarkError("the queue stored \(stored) ratings, expected \(operations)")
        }
        let verified = try workspace.verify()
        guard verified.passed else { throw QueueBenchmarkError("verify failed: \(verified.firstProblem ?? verified.integrity)") }

        // Raw inserts, same configuration and folder, same writer count and operation count:
        // through the workspaces' VFS, then through SQLite's own.
        for vfs in [LogWrites.vfsName, "unix"] {
            let rawPath = folder.appendingPathComponent("raw-\(vfs)-\(round).sqlite").path
            try rawPool(rawPath, vfs: vfs).write { db in
                try db.execute(sql: "CREATE TABLE raw (id INTEGER PRIMARY KEY, item INTEGER NOT NULL, rater INTEGER NOT NULL, at TEXT NOT NULL)")
            }
            let rawSeconds = try onThreads(raters) { index in
                let pool = try rawPool(rawPath, vfs: vfs)
                for item in 0..<perWriter {
                    try pool.write { db in
                        try db.execute(sql: "INSERT INTO raw (item, rater, at) VALUES (?, ?, ?)",
                                       arguments: [item, index, Timestamp.string(Date())])
                    }
                }
            }
            if vfs == "unix" { stockRuns.append(rawSeconds) } else { rawRuns.append((rawSeconds, lastCPUSeconds)) }
        }
    }
    let rawPath = folder.appendingPathComponent("raw-\(LogWrites.vfsName)-0.sqlite").path
    let singleSeconds = try onThreads(1) { _ in
        let pool = try rawPool(rawPath)
        for item in 0..<operations {
            try pool.write { db in
                try db.execute(sql: "INSERT INTO raw (item, rater, at) VALUES (?, ?, ?)", arguments: [item, -1, Timestamp.string(Date())])
            }
        }
    }
    // The step's writes alone: each rater's thread writes, per step, what a rating and the next
    // claim write (lease released, audit event, rating, three values, expired leases released,
    // next lease) with fixed values, in one BEGIN IMMEDIATE transaction.
    let floorPath = folder.appendingPathComponent("floor.sqlite").path
    let floorWorkspace = try queuedWorkspace(floorPath, items: items, raters: raters, overlap: overlap)
    let sessions = try (0..<raters).map { index in
        try floorWorkspace.startReviewSession(rater: "r\(index)", filter: QueueFilter(), settings: QueueSettings(goldRate: 0),
                                              seed: Int64(index)).id
    }
    let raterIDs = try floorWorkspace.writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM raters ORDER BY name") }
    let itemIDs = try floorWorkspace.writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM items ORDER BY id") }
    let floorSeconds = try onThreads(raters) { index in
        let pool = try rawPool(floorPath)
        let (rater, session) = (raterIDs[index], sessions[index])
        let stamp = Timestamp.string(Date())
        let hash = String(repeating: "a", count: 64)
        for step in 0..<perWriter {
            // Rater `index` takes a run of distinct items of its own (runs overlap across raters).
            let item = itemIDs[(index * perWriter + step) % itemIDs.count]
            let next = itemIDs[(index * perWriter + step + 1) % itemIDs.count]
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.cachedStatement(sql: "DELETE FROM leases WHERE item_id = ? AND rater_id = ?").execute(arguments: [item, rater])
                    try db.cachedStatement(sql: """
                        INSERT INTO audit_events (at, actor, kind, detail, content_hash, prev_hash, hash)
                        VALUES (?, 'r', 'ratings.submit', ?, ?, ?, ?)
                        """).execute(arguments: [stamp, "item \(item) rated by r\(index)", hash, hash, hash])
                    let event = db.lastInsertedRowID
                    try db.cachedStatement(sql: """
                        INSERT INTO ratings (item_id, rater_id, session_id, outcome, shown_at, first_answer_at, submitted_at,
                                             active_seconds, event_id)
                        VALUES (?, ?, ?, 'rated', ?, ?, ?, 1, ?)
                        """).execute(arguments: [item, rater, session, stamp, stamp, stamp, event])
                    let rating = db.lastInsertedRowID
                    try db.cachedStatement(sql: """
                        INSERT INTO rating_values (rating_id, criterion, value, numeric_value, event_id, position)
                        VALUES (?1, 'helpful', '4', 4, ?2, 0), (?1, 'correct', 'yes', 1, ?2, 1), (?1, 'accept', 'yes', 1, ?2, 2)
                        """).execute(arguments: [rating, event])
                    try db.cachedStatement(sql: "DELETE FROM leases WHERE expires_at <= ?").execute(arguments: [stamp])
                    try db.cachedStatement(sql: """
                        INSERT INTO leases (item_id, rater_id, session_id, leased_at, expires_at) VALUES (?, ?, ?, ?, '9999')
                        """).execute(arguments: [next, rater, session, stamp])
                    return .commit
                }
            }
        }
    }
    let floorCPU = lastCPUSeconds

    let floorRate = Double(perWriter * raters) / floorSeconds

    // Claims and submits: each step submits one rating and claims the next item (the first
    // claim of each rater stands alone), so every stored rating took one of each.
    let stepRates = queueRuns.map { Double(operations) / $0.seconds }
    let operationRates = stepRates.map { 2 * $0 }
    let rawRates = rawRuns.map { Double(perWriter * raters) / $0.seconds }
    let stockRates = stockRuns.map { Double(perWriter * raters) / $0 }
    let operationRatios = zip(operationRates, rawRates).map { $0 / $1 }
    let stepRatios = zip(stepRates, rawRates).map { $0 / $1 }
    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    func rates(_ values: [Double]) -> String {
        String(format: "%.0f/s", median(values)) + (values.count > 1 ? " (\(values.map { String(format: "%.0f", $0) }.joined(separator: ", ")))" : "")
    }
    func ratios(_ values: [Double]) -> String {
        String(format: "%.2f", median(values)) + (values.count > 1 ? " (\(values.map { String(format: "%.2f", $0) }.joined(separator: ", ")))" : "")
    }
    let queueCPU = queueRuns.map { $0.cpu / Double(operations) * 1e6 }
    let rawCPU = rawRuns.map { $0.cpu / Double(perWriter * raters) * 1e6 }
    print("queue: \(items) items × overlap \(overlap), \(raters) raters, folder \(base.path), \(rounds) alternated rounds (medians, then each round)")
    print("  claims + submits        \(rates(operationRates))")
    print("  items rated             \(rates(stepRates))  (one claim + one submit each, one transaction)")
    print("  raw inserts, \(raters) writers  \(rates(rawRates))")
    print("  raw inserts, \(raters) writers, SQLite's own VFS  \(rates(stockRates))")
    print("  raw inserts, 1 writer   \(String(format: "%.0f/s", Double(operations) / singleSeconds))")
    print("  the step's writes alone \(String(format: "%.0f/s", floorRate))  (\(raters) writers, one round)")
    print("  ratio (claims + submits) / raw (\(raters) writers): \(ratios(operationRatios))  (target ≥ 0.5)")
    print("  ratio items rated / raw (\(raters) writers): \(ratios(stepRatios))")
    print(String(format: "  CPU per item rated: queue %.0f µs, raw insert %.0f µs, the step's writes alone %.0f µs (medians)",
                 median(queueCPU), median(rawCPU), floorCPU / Double(perWriter * raters) * 1e6))
    let totals = logWrites.total
    print(String(format: "  log writes per item rated: %.1f asked of the VFS, %.2f made to the file system",
                 Double(totals.requested) / Double(operations * rounds), Double(totals.written) / Double(operations * rounds)))
}

/// Log-write counts summed over the raters' connections.
private final class LogWriteTotals: @unchecked Sendable {
    // Sound: `counts` is only read and written with `lock` held.
    private let lock = NSLock()
    private var counts = (requested: 0, written: 0)

    func add(_ more: (requested: Int, written: Int)) {
        lock.lock()
        counts = (counts.requested + more.requested, counts.written + more.written)
        lock.unlock()
    }

    var total: (requested: Int, written: Int) {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }
}

/// A workspace with `items` single-candidate items of the helpfulness rubric queued for
/// `overlap` of `raters` raters (r0, r1, …).
private func queuedWorkspace(_ path: String, items: Int, raters: Int, overlap: Int) throws -> Workspace {
    let workspace = try Workspace.initialize(path: path).workspace
    for (file, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: file) }
    for index in 0..<raters { try workspace.addRater(name: "r\(index)", role: .rater) }
    try workspace.importPrompts((0..<items).map { Prompt(id: "p\($0)", text: "Prompt \($0)") }, into: "bench", source: "bench")
    let run = try workspace.createRun(RunSpec(setName: "bench", rubricName: "helpfulness", stage: .crawl, backend: "local",
                                              modelName: "bench", n: 1, temperature: 0, seed: 0, maxTokens: 1,
                                              reviewShare: 1, reviewOverlap: overlap, reviewSeed: 0))
    for (rowID, prompt) in try workspace.prompts(inSet: "bench") {
        try workspace.storeCandidates(runID: run.id, promptRowID: rowID,
                                      [CandidateDraft(index: 0, text: "Answer to \(prompt.id)", tokenCount: 3,
                                                      finishReason: "stop", latencyMilliseconds: 1)],
                                      items: [ItemDraft(candidateA: 0, reason: .all)], tokensIn: 1, tokensOut: 3,
                                      cpuSeconds: 0, wallSeconds: 0)
    }
    return workspace
}

/// A pool configured as `Workspace` configures its own, through the named VFS.
private func rawPool(_ path: String, vfs: String = LogWrites.vfsName) throws -> DatabasePool {
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.busyMode = .timeout(30)
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    let escaped = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
    return try DatabasePool(path: "file:\(escaped)?vfs=\(vfs)", configuration: configuration)
}

/// CPU seconds of the last `onThreads` run (the whole process, so run nothing else meanwhile).
nonisolated(unsafe) private var lastCPUSeconds = 0.0

/// Runs `body` on `count` threads at once; returns the wall seconds until all finished.
private func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws -> Double {
    let cpuStart = ProcessUsage.now().cpuSeconds
    defer { lastCPUSeconds = ProcessUsage.now().cpuSeconds - cpuStart }
    let failures = FailureBox()
    let group = DispatchGroup()
    let start = Date()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            do { try body(index) } catch { failures.record(error) }
            group.leave()
        }
        thread.start()
    }
    group.wait()
    let seconds = Date().timeIntervalSince(start)
    if let error = failures.first { throw error }
    return seconds
}

/// The first error of any thread.
private final class FailureBox: @unchecked Sendable {
    // Sound: `error` is only read and written with `lock` held.
    private let lock = NSLock()
    private var error: (any Error)?

    func record(_ error: any Error) {
        lock.lock()
        if self.error == nil { self.error = error }
        lock.unlock()
    }

    var first: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}

private struct QueueBenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

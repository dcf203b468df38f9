// The review queue under 8 concurrent raters, compared in the same run with raw single-row
// transactional inserts into the same kind of database (WAL, synchronous NORMAL, busy timeout)
// in the same folder (same disk).
//
//   swift run -c release gait-bench queue [ITEMS] [RATERS] [DIR]
//
// Each rater is a thread with its own connection pool, as separate console processes would be.
// A queue operation is one claim plus one submit, as the console does them: a rating's submit
// and the claim of the rater's next item share one BEGIN IMMEDIATE transaction (with the
// rating's audit event); a raw operation is one INSERT in its own BEGIN IMMEDIATE transaction.
import Foundation
import GaitCore
import GaitStore
import GRDB

@Sendable func queueBenchmark(_ arguments: [String]) async throws {
    try runQueueBenchmark(arguments)
}

/// The benchmark body, synchronous: every rater is a thread of its own.
private func runQueueBenchmark(_ arguments: [String]) throws {
    let items = arguments.count > 0 ? Int(arguments[0]) ?? 1000 : 1000
    let raters = arguments.count > 1 ? Int(arguments[1]) ?? 8 : 8
    let overlap = min(3, raters)
    let base = arguments.count > 2 ? URL(fileURLWithPath: arguments[2]) : FileManager.default.temporaryDirectory
    let folder = base.appendingPathComponent("gait-queue-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let operations = items * overlap

    // The queue.
    let path = folder.appendingPathComponent("queue.sqlite").path
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
    let answers = ["helpful": "4", "correct": "yes", "accept": "yes"]
    let queueSeconds = try onThreads(raters) { index in
        let rater = try Workspace.open(path: path)
        var session = try rater.startReviewSession(rater: "r\(index)", filter: QueueFilter(),
                                                   settings: QueueSettings(goldRate: 0), seed: Int64(index))
        // As the console works: the first claim alone, then each submit takes the next item in
        // the same transaction.
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
    }
    let queueCPU = lastCPUSeconds
    let stored = try workspace.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ratings") ?? 0 }
    guard stored == operations else {
        throw QueueBenchmarkError("the queue stored \(stored) ratings, expected \(operations)")
    }
    let verified = try workspace.verify()
    guard verified.passed else { throw QueueBenchmarkError("verify failed: \(verified.firstProblem ?? verified.integrity)") }

    // Raw inserts, same configuration and folder, same writer count and operation count.
    let rawPath = folder.appendingPathComponent("raw.sqlite").path
    try rawPool(rawPath).write { db in
        try db.execute(sql: "CREATE TABLE raw (id INTEGER PRIMARY KEY, item INTEGER NOT NULL, rater INTEGER NOT NULL, at TEXT NOT NULL)")
    }
    let perWriter = operations / raters
    let rawSeconds = try onThreads(raters) { index in
        let pool = try rawPool(rawPath)
        for item in 0..<perWriter {
            try pool.write { db in
                try db.execute(sql: "INSERT INTO raw (item, rater, at) VALUES (?, ?, ?)",
                               arguments: [item, index, Timestamp.string(Date())])
            }
        }
    }
    let rawCPU = lastCPUSeconds
    let singleSeconds = try onThreads(1) { _ in
        let pool = try rawPool(rawPath)
        for item in 0..<operations {
            try pool.write { db in
                try db.execute(sql: "INSERT INTO raw (item, rater, at) VALUES (?, ?, ?)", arguments: [item, -1, Timestamp.string(Date())])
            }
        }
    }
    let queueRate = Double(operations) / queueSeconds
    let rawRate = Double(perWriter * raters) / rawSeconds
    let singleRate = Double(operations) / singleSeconds
    func format(_ rate: Double) -> String { String(format: "%.0f/s", rate) }
    print("queue: \(items) items × overlap \(overlap), \(raters) raters, folder \(base.path)")
    print("  claims+submits          \(format(queueRate))  (\(operations) in \(String(format: "%.2f", queueSeconds)) s)")
    print("  raw inserts, \(raters) writers  \(format(rawRate))  (\(perWriter * raters) in \(String(format: "%.2f", rawSeconds)) s)")
    print("  raw inserts, 1 writer   \(format(singleRate))  (\(operations) in \(String(format: "%.2f", singleSeconds)) s)")
    print(String(format: "  ratio queue / raw (%d writers): %.2f (target ≥ 0.5)", raters, queueRate / rawRate))
    print(String(format: "  CPU per operation: queue %.0f µs, raw %.0f µs (ratio %.2f; steadier than wall time on a busy machine)",
                 queueCPU / Double(operations) * 1e6, rawCPU / Double(perWriter * raters) * 1e6,
                 rawCPU / Double(perWriter * raters) / (queueCPU / Double(operations))))
}

/// A pool configured as `Workspace` configures its own.
private func rawPool(_ path: String) throws -> DatabasePool {
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.busyMode = .timeout(30)
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    return try DatabasePool(path: path, configuration: configuration)
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

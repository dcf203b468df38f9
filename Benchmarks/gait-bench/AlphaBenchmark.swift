import Foundation
import Statistics

/// Krippendorff's α (interval) over 1,000,000 ratings (200,000 units × 5 raters, 10% missing), against the
/// Python package `krippendorff` on the same data in the same run.
///
/// `swift run -c release gait-bench alpha [--units N] [--repeats R] [--python PATH]`
///
/// The ratings are generated from a seed (a unit's true score plus rater noise, rounded to 1…7), written
/// once as `unit,rater,value` CSV; Python reads that file into the raters × units matrix with NaN for a
/// missing rating, which `krippendorff.alpha` expects. Only the α computation is timed on both sides (best
/// of R runs); the Swift side also times reading the CSV and the whole `gait stats agreement` path.
@Sendable func alphaBenchmark(_ arguments: [String]) async throws {
    func option(_ name: String, _ fallback: String) -> String {
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return fallback }
        return arguments[i + 1]
    }
    let units = Int(option("--units", "200000")) ?? 200_000
    let repeats = max(1, Int(option("--repeats", "5")) ?? 5)
    let python = option("--python", "python3")
    let raters = 5

    var generator = SeededGenerator(seed: 2026)
    var data = ReliabilityData()
    var csv = "unit,rater,value\n"
    csv.reserveCapacity(units * raters * 12)
    var ratings = 0
    for unit in 0..<units {
        let truth = 1 + 6 * generator.unitInterval()
        var values: [Double] = []
        for rater in 0..<raters where generator.unitInterval() >= 0.1 {
            let noise = (generator.unitInterval() + generator.unitInterval() - 1) * 2.5
            let value = min(7, max(1, (truth + noise).rounded()))
            values.append(value)
            csv += "\(unit),\(rater),\(Int(value))\n"
        }
        ratings += values.count
        data.appendUnit(values)
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gait-alpha-bench-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let csvURL = directory.appendingPathComponent("ratings.csv")
    try Data(csv.utf8).write(to: csvURL)
    print("data: \(units) units × \(raters) raters, \(ratings) ratings (\(units * raters - ratings) missing), \(csvURL.path)")

    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
    var best = Double.infinity
    var alpha: Double?
    for _ in 0..<repeats {
        var result: AlphaResult?
        let elapsed = try clock.measure { result = try krippendorffAlpha(data, level: .interval) }
        best = min(best, seconds(elapsed))
        alpha = result?.value
    }
    var report: AgreementReport?
    var table: CSVTable?
    let parsing = try clock.measure {
        table = try CSVTable(parsing: String(contentsOf: csvURL, encoding: .utf8), source: csvURL.path)
    }
    let reporting = try clock.measure {
        if let table { report = try agreementReport(table, AgreementRequest(metric: .alpha, level: .interval)) }
    }
    print(String(format: "swift  α = %.15f  compute %.4f s (best of %d)", alpha ?? .nan, best, repeats))
    print(String(format: "swift  gait stats agreement path: read and parse the CSV %.3f s, ratings to α %.3f s, α = %.15f",
                 seconds(parsing), seconds(reporting), report?.value ?? .nan))

    let script = """
        import sys, time, json, numpy as np, krippendorff
        from importlib.metadata import version
        d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, dtype=np.int64)
        m = np.full((int(d[:, 1].max()) + 1, int(d[:, 0].max()) + 1), np.nan)
        m[d[:, 1], d[:, 0]] = d[:, 2]
        times = []
        for _ in range(int(sys.argv[2])):
            t = time.perf_counter()
            a = krippendorff.alpha(reliability_data=m, level_of_measurement="interval")
            times.append(time.perf_counter() - t)
        print(json.dumps({"alpha": float(a), "seconds": min(times), "version": version("krippendorff")}))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, "-c", script, csvURL.path, String(min(repeats, 3))]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    struct PythonResult: Decodable {
        var alpha: Double
        var seconds: Double
        var version: String
    }
    guard process.terminationStatus == 0,
          let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last,
          let python = try? JSONDecoder().decode(PythonResult.self, from: Data(line.utf8)) else {
        print("python: krippendorff did not run (pip install krippendorff numpy); no comparison")
        return
    }
    print(String(format: "python α = %.15f  compute %.4f s (best of %d, krippendorff %@)",
                 python.alpha, python.seconds, min(repeats, 3), python.version))
    print(String(format: "speed-up: %.1f× (target ≥ 10×); |Δα| = %.2e", python.seconds / best,
                 abs(python.alpha - (alpha ?? .nan))))
}

import ArgumentParser
import Foundation
import Statistics

extension MeasurementLevel: ExpressibleByArgument {}
extension KappaWeights: ExpressibleByArgument {}
extension AgreementMetric: ExpressibleByArgument {}
extension PValueAdjustment: ExpressibleByArgument {}

/// Runs the statistics part of a `gait stats` command and prints its result.
///
/// Argument errors from the library become usage errors (exit 64); every other Statistics error is bad
/// input data: printed as `Error: …` on stderr, exit 65.
func runStats<Report: Encodable>(format: OutputFormat, text: (Report) -> String,
                                 _ body: () throws -> Report) throws {
    let report: Report
    do {
        report = try body()
    } catch let error as StatisticsError {
        if case .invalidArgument = error { throw ValidationError(error.description) }
        Terminal.error("Error: \(error)")
        throw ExitCode(Exit.dataError)
    }
    switch format {
    case .text: Terminal.out(text(report))
    case .json: try Terminal.json(report)
    }
}

/// Checks the options every resampling command shares, so that a bad value is a usage error of that command.
func validateResampling(resamples: Int?, confidence: Double? = nil) throws {
    do {
        if let resamples { try validateResamples(resamples) }
        if let confidence { try validateConfidence(confidence) }
    } catch {
        throw ValidationError("\(error)")
    }
}

/// Reads and parses a CSV file; an unreadable file is bad input (exit 65).
func readCSV(_ path: String) throws -> CSVTable {
    guard FileManager.default.fileExists(atPath: path) else {
        throw StatisticsError.invalidData("cannot read \(path): no such file")
    }
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw StatisticsError.invalidData("cannot read \(path): \(error.localizedDescription)")
    }
    return try CSVTable(parsing: String(decoding: data, as: UTF8.self), source: path)
}

/// Splits a comma-separated option value into trimmed items.
func commaList(_ text: String) -> [String] {
    text.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
    }
}

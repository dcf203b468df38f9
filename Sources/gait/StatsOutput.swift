import ArgumentParser
import Foundation
import Statistics

/// How a command prints its result.
enum StatsOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// The output option of the `gait stats` commands.
struct StatsOutputOptions: ParsableArguments {
    @Option(help: "Output format: text or json (JSON goes to stdout).")
    var format: StatsOutputFormat = .text
}

extension MeasurementLevel: ExpressibleByArgument {}
extension KappaWeights: ExpressibleByArgument {}
extension AgreementMetric: ExpressibleByArgument {}
extension PValueAdjustment: ExpressibleByArgument {}

/// Runs the statistics part of a `gait stats` command and prints its result.
///
/// Argument errors from the library become usage errors (exit 64); every other Statistics error is bad
/// input data: printed as `Error: …` on stderr, exit 65.
func runStats<Report: Encodable>(format: StatsOutputFormat, text: (Report) -> String,
                                 _ body: () throws -> Report) throws {
    let report: Report
    do {
        report = try body()
    } catch let error as StatisticsError {
        if case .invalidArgument = error { throw ValidationError(error.description) }
        FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
        throw ExitCode(65)
    }
    switch format {
    case .text:
        print(text(report))
    case .json:
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(report)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// Reads and parses a CSV file; an unreadable file is bad input (exit 65).
func readCSV(_ path: String) throws -> CSVTable {
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

import ArgumentParser
import Statistics

/// `gait stats slices`: quality per slice against a reference slice.
struct StatsSlicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slices",
        abstract: "Quality per slice against a reference slice on a slice,value CSV.")

    @Option(help: "CSV file with columns slice,value.")
    var input: String

    @Option(help: "The reference slice.")
    var reference: String

    @Option(help: "The rating scale as MIN,MAX.")
    var scale: String

    @Option(name: .customLong("pass"), help: "A value passes when it is at least this.")
    var passThreshold: Double

    @Option(help: "Resamples of the permutation test when it is not exact.")
    var resamples: Int = 9_999

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = 0

    @OptionGroup var global: GlobalOptions

    func parsedScale() throws -> QualityScale {
        let bounds = commaList(scale).compactMap(Double.init)
        guard bounds.count == 2, commaList(scale).count == 2, bounds[0] < bounds[1] else {
            throw ValidationError("invalid --scale \"\(scale)\": expected MIN,MAX with MIN < MAX, e.g. 1,5")
        }
        return QualityScale(minimum: bounds[0], maximum: bounds[1], passThreshold: passThreshold)
    }

    func validate() throws {
        _ = try parsedScale()
        try validateResampling(resamples: resamples)
    }

    func run() throws {
        let quality = try parsedScale()
        try runStats(format: global.format, text: \SlicesReport.text) {
            try slicesReport(readCSV(input), reference: reference, scale: quality, resamples: resamples, seed: seed)
        }
    }
}

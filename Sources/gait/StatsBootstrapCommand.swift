import ArgumentParser
import Statistics

/// `gait stats bootstrap`: percentile bootstrap interval of a mean, resampling whole items.
struct StatsBootstrapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Percentile bootstrap interval for the mean of a column (rows of one item resample together).")

    @Option(help: "CSV file with the value column and optionally an item column.")
    var input: String

    @Option(help: "The column to average.")
    var column: String = "value"

    @Option(help: "Bootstrap resamples.")
    var resamples: Int = 10_000

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = 0

    @Option(help: "Confidence level.")
    var confidence: Double = 0.95

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try validateResampling(resamples: resamples, confidence: confidence)
    }

    func run() throws {
        try runStats(format: global.format, text: \BootstrapReport.text) {
            try bootstrapReport(readCSV(input), column: column, resamples: resamples, seed: seed, confidence: confidence)
        }
    }
}

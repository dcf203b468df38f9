import ArgumentParser
import Statistics

/// `gait stats paired`: Wilcoxon signed-rank and sign-flip tests on `x,y` pairs.
struct StatsPairedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paired",
        abstract: "Paired tests on an x,y CSV: Wilcoxon signed-rank and the sign-flip permutation test on x - y.")

    @Option(help: "CSV file with columns x,y.")
    var input: String

    @Option(help: "Monte Carlo resamples of the sign-flip test (used above 20 non-zero differences).")
    var resamples: Int = 10_000

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = 0

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try validateResampling(resamples: resamples)
    }

    func run() throws {
        try runStats(format: global.format, text: \PairedReport.text) {
            try pairedReport(readCSV(input), resamples: resamples, seed: seed)
        }
    }
}

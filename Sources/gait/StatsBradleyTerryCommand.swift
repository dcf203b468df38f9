import ArgumentParser
import Statistics

/// `gait stats bt`: Bradley–Terry strengths from pairwise outcomes.
struct StatsBradleyTerryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bt",
        abstract: "Bradley–Terry strengths from an a,b,outcome CSV (outcome a, b or tie; a tie is half a win each).")

    @Option(help: "CSV file with columns a,b,outcome.")
    var input: String

    @Option(help: "Bootstrap resamples for intervals on the theta scale (none by default).")
    var bootstrap: Int?

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = 0

    @Option(help: "Confidence level of the bootstrap intervals.")
    var confidence: Double = 0.95

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try validateResampling(resamples: bootstrap, confidence: confidence)
    }

    func run() throws {
        try runStats(format: global.format, text: \BradleyTerryReport.text) {
            try bradleyTerryReport(readCSV(input), bootstrap: bootstrap, seed: seed, confidence: confidence)
        }
    }
}

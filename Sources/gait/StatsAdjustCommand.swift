import ArgumentParser
import Statistics

/// `gait stats adjust`: Holm, Benjamini–Hochberg or Bonferroni adjustment of p-values.
struct StatsAdjustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adjust", abstract: "Adjust p-values for multiple comparisons.")

    @Option(help: "Comma-separated p-values, e.g. 0.01,0.2,0.03.")
    var p: String

    @Option(help: "holm, bh or bonferroni.")
    var method: PValueAdjustment

    @Option(help: "Significance level for the reject decisions.")
    var alpha: Double = 0.05

    @OptionGroup var output: StatsOutputOptions

    func run() throws {
        var values: [Double] = []
        for item in commaList(p) {
            guard let value = Double(item) else {
                throw ValidationError("invalid p-value \"\(item)\" in --p: expected numbers between 0 and 1 separated by commas")
            }
            values.append(value)
        }
        try runStats(format: output.format, text: \AdjustReport.text) {
            try adjustReport(values, method: method, alpha: alpha)
        }
    }
}

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

    @OptionGroup var global: GlobalOptions

    func pValues() throws -> [Double] {
        try commaList(p).map { item in
            guard let value = Double(item), (0...1).contains(value) else {
                throw ValidationError("invalid p-value \"\(item)\" in --p: expected numbers between 0 and 1 separated by commas")
            }
            return value
        }
    }

    func validate() throws {
        _ = try pValues()
        guard alpha > 0, alpha < 1 else {
            throw ValidationError("invalid alpha \(alpha): expected a number strictly between 0 and 1")
        }
    }

    func run() throws {
        let values = try pValues()
        try runStats(format: global.format, text: \AdjustReport.text) {
            try adjustReport(values, method: method, alpha: alpha)
        }
    }
}

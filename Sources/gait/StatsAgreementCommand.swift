import ArgumentParser
import Statistics

/// `gait stats agreement`: Krippendorff's α, Cohen's κ, Fleiss' κ or Gwet's AC1 on `unit,rater,value`.
struct StatsAgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Inter-rater agreement on a unit,rater,value CSV (a missing rating is an absent row).")

    @Option(help: "CSV file with columns unit,rater,value.")
    var input: String

    @Option(help: "alpha, cohen, fleiss or ac1.")
    var metric: AgreementMetric

    @Option(help: "Level of measurement for alpha: nominal, ordinal, interval (default) or ratio; refused by fleiss and ac1.")
    var level: MeasurementLevel?

    @Option(help: "Weights for cohen: none (default), linear or quadratic; refused by fleiss and ac1.")
    var weights: KappaWeights?

    @Option(help: "The ordered scale, e.g. 1,2,3,4,5 (default: the categories the raters used).")
    var categories: String?

    @OptionGroup var global: GlobalOptions

    var request: AgreementRequest {
        AgreementRequest(metric: metric, level: level, weights: weights, categories: categories.map(commaList))
    }

    func validate() throws {
        do { try request.validate() } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        try runStats(format: global.format, text: \AgreementReport.text) {
            try agreementReport(readCSV(input), request)
        }
    }
}

import ArgumentParser
import Statistics

/// `gait stats interval`: the Wilson score interval of a proportion.
struct StatsIntervalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interval", abstract: "Wilson score interval for K successes in N trials.")

    @Option(help: "K, the number of successes.")
    var successes: Int

    @Option(help: "N, the number of trials.")
    var trials: Int

    @Option(help: "Confidence level.")
    var confidence: Double = 0.95

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        do { _ = try wilsonInterval(successes: successes, trials: trials, confidence: confidence) } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        try runStats(format: global.format, text: { (interval: ConfidenceInterval) in
            "\(successes)/\(trials) = \(interval.estimate), \(confidence * 100)% Wilson interval [\(interval.low), \(interval.high)]"
        }) {
            try wilsonInterval(successes: successes, trials: trials, confidence: confidence)
        }
    }
}

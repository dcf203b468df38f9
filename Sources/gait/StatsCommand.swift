import ArgumentParser
import Foundation
import Statistics

/// `gait stats`: the statistics on plain CSV, outside any workspace, so anyone can check them against
/// another tool.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Agreement, intervals, paired tests, Bradley–Terry and the bias audit on plain CSV.",
        discussion: """
            Every CSV needs a header row. With --format json the result goes to stdout as one JSON object. \
            Exit codes: 0 success, 64 usage error, 65 bad input data (the message names the line).
            """,
        subcommands: [
            StatsAgreementCommand.self, StatsIntervalCommand.self, StatsBootstrapCommand.self,
            StatsPairedCommand.self, StatsAdjustCommand.self, StatsBradleyTerryCommand.self,
            StatsGroupsCommand.self, StatsSlicesCommand.self,
        ]
    )
}

import ArgumentParser
import Statistics

/// `gait stats groups`: the Aequitas group metrics and disparities.
struct StatsGroupsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "Group metrics and disparities (Aequitas) on a group,prediction,label CSV of 0/1 values.")

    @Option(help: "CSV file with columns group,prediction,label.")
    var input: String

    @Option(help: "The reference group.")
    var reference: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runStats(format: global.format, text: \GroupsReport.text) {
            try groupsReport(readCSV(input), reference: reference)
        }
    }
}

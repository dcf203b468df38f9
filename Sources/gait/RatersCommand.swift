import ArgumentParser
import Foundation
import GaitCore
import GaitStore

extension RaterRole: ExpressibleByArgument {}

struct RatersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raters",
        abstract: "Register and list raters.",
        subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a rater.",
            discussion: "A lead may override gates and use lead-only console commands.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "1–64 letters, digits, '-', '_' or '.', starting with a letter or digit.") var name: String
        @Option(help: "rater or lead.") var role: RaterRole = .rater

        func run() async throws {
            try await withErrorHandling {
                let rater = try global.openWorkspace().addRater(name: name, role: role)
                if global.format == .json {
                    try Terminal.json(rater)
                } else {
                    Terminal.out("Added \(rater.role.rawValue) '\(rater.name)'.")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List raters.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await withErrorHandling {
                let raters = try global.openWorkspace().raters()
                if global.format == .json {
                    try Terminal.json(raters)
                } else if raters.isEmpty {
                    Terminal.out("No raters yet; add one with `gait raters add NAME`.")
                } else {
                    Terminal.out(table(["RATER", "ROLE", "ADDED"], raters.map { [$0.name, $0.role.rawValue, $0.createdAt] }))
                }
            }
        }
    }
}

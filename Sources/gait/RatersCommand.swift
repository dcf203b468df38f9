import ArgumentParser
import Foundation
import GaitCore
import GaitStore

extension RaterRole: ExpressibleByArgument {}

struct RatersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raters",
        abstract: "Register, list and show raters.",
        subcommands: [Add.self, List.self, Show.self])

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

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a rater's ratings, skips, sessions and gold accuracy.",
            discussion: "Gold accuracy is the share of answers to gold items that match the expected answer.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rater.") var name: String

        func run() async throws {
            try await withErrorHandling {
                let report = try global.openWorkspace().raterReport(named: name)
                if global.format == .json {
                    try Terminal.json(report)
                    return
                }
                let gold = report.gold
                let accuracy = gold.accuracy.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
                Terminal.out(table(["", ""], [
                    ["rater", "\(report.rater.name) (\(report.rater.role.rawValue), added \(report.rater.createdAt))"],
                    ["ratings", String(report.ratings)],
                    ["discarded", String(report.discarded)],
                    ["retracted", String(report.retracted)],
                    ["skips", String(report.skips)],
                    ["sessions", String(report.sessions)],
                    ["median time", report.medianActiveSeconds.map { String(format: "%.1f s per item", $0) } ?? "-"],
                    ["gold accuracy", "\(accuracy) (\(gold.correct) of \(gold.answers) answers on \(gold.items) gold items)"],
                ]).split(separator: "\n").dropFirst().joined(separator: "\n"))
            }
        }
    }
}

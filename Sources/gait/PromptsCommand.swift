import ArgumentParser
import Foundation
import GaitCore
import GaitStore

struct PromptsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "Import and list prompt sets.",
        subcommands: [Import.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import prompts from a JSONL file into a set (all or nothing).",
            discussion: """
                One JSON object a line: "id" and "prompt" are required; "attributes" (an object of \
                strings), "scope", "counterfactual_group" and "reference" are optional. Any bad line \
                is reported with its number, and nothing of the file is imported.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The JSONL file.") var file: String
        @Option(help: "The prompt set to import into (created if new).") var set: String

        func run() async throws {
            try await withErrorHandling {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw InputError(source: file, problem: "cannot read the file")
                }
                let prompts = try PromptFile.parse(data, source: file)
                let workspace = try global.openWorkspace()
                let count = try workspace.importPrompts(prompts, into: set, source: file)
                if global.format == .json {
                    try Terminal.json(["set": set, "imported": String(count)])
                } else {
                    Terminal.out("Imported \(count) prompts into set '\(set)'.")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List prompt sets.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await withErrorHandling {
                let sets = try global.openWorkspace().promptSets()
                if global.format == .json {
                    try Terminal.json(sets)
                } else if sets.isEmpty {
                    Terminal.out("No prompt sets yet; import one with `gait prompts import FILE --set NAME`.")
                } else {
                    Terminal.out(table(["SET", "PROMPTS", "SCOPES", "CREATED"],
                                       sets.map { [$0.name, String($0.prompts), $0.scopes.joined(separator: ","), $0.createdAt] }))
                }
            }
        }
    }
}

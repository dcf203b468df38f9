import ArgumentParser
import Foundation
import GaitCore
import GaitStore

struct GoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gold",
        abstract: "Gold items: known answers mixed silently into the queue to measure raters.",
        subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a queued item as gold, or import prompts with known answers as gold items (lead-only).",
            discussion: """
                Either an item and its expected answers:
                  gait gold add 42 --expect helpful=4 --expect correct=yes --lead NAME
                or a JSONL file of prompts (the prompt import format) with "answer" (the text the \
                raters judge; "answer_b" too for a pairwise rubric) and "expected" (criterion → \
                answer), queued as gold items of --rubric at --stage:
                  gait gold add --file gold.jsonl --set gold --rubric helpfulness --lead NAME
                Answers are given as stored: yes/no, an option, an integer, a number, or a/b/=. \
                Raters are never told an item is gold; `gait raters show NAME` reports accuracy.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The item to mark gold.") var item: Int64?
        @Option(help: ArgumentHelp("An expected answer (repeat per criterion).", valueName: "criterion=value"))
        var expect: [String] = []
        @Option(help: "A JSONL file of prompts with answers and expected ratings.") var file: String?
        @Option(help: "The prompt set the file's prompts join (with --file).") var set: String?
        @Option(help: "The rubric of the imported items (with --file).") var rubric: String?
        @Option(help: "The stage of the imported items (with --file): crawl, walk or run.") var stage: String = "crawl"
        @Option(help: "Distinct raters per imported item (default: the stage's overlap in gait.yaml).") var overlap: Int?
        @Option(help: "The lead doing this (recorded in the audit log).") var lead: String

        func validate() throws {
            switch (item, file) {
            case (nil, nil): throw ValidationError("give an ITEM with --expect, or --file FILE")
            case (.some, .some): throw ValidationError("give either an ITEM or --file, not both")
            case (.some, nil):
                if expect.isEmpty { throw ValidationError("give the expected answers with --expect criterion=value") }
            case (nil, .some):
                if set == nil || rubric == nil { throw ValidationError("--file needs --set and --rubric") }
                if Stage(rawValue: stage) == nil { throw ValidationError("--stage must be crawl, walk or run, found '\(stage)'") }
            }
        }

        func run() async throws {
            try await withErrorHandling {
                let workspace = try global.openWorkspace()
                if let item {
                    var answers: [String: String] = [:]
                    for pair in expect {
                        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                        guard parts.count == 2, !parts[0].isEmpty else {
                            throw InputError(source: "--expect", problem: "'\(pair)' is not criterion=value")
                        }
                        answers[parts[0]] = parts[1]
                    }
                    try workspace.markGold(itemID: item, answers: answers, lead: lead)
                    if global.format == .json {
                        try Terminal.json(["items": [item]])
                    } else {
                        Terminal.out("Item \(item) is now gold (\(answers.count) expected answers).")
                    }
                } else if let file, let set, let rubric, let stage = Stage(rawValue: stage) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw InputError(source: file, problem: "cannot read the file")
                    }
                    let entries = try GoldFile.parse(data, source: file)
                    let overlap = try overlap ?? global.loadConfig().policy(for: stage).overlap
                    let items = try workspace.importGold(entries, into: set, rubric: rubric, stage: stage, overlap: overlap,
                                                         source: file, lead: lead)
                    if global.format == .json {
                        try Terminal.json(["items": items])
                    } else {
                        Terminal.out("Imported \(items.count) gold items into set '\(set)' (\(rubric), \(stage.rawValue), overlap \(overlap)).")
                    }
                }
            }
        }
    }
}

import ArgumentParser
import Foundation
import GaitCore
import GaitStore

struct RubricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rubrics",
        abstract: "Register and list rubric versions.",
        subcommands: [Import.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register rubric versions from YAML files.",
            discussion: """
                Versions are immutable: a file with the same name and version as a registered one \
                must have the same content; a changed rubric needs a new version number. The shipped \
                rubrics in rubrics/ are imported by `gait init`.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Rubric YAML files.") var files: [String]

        func validate() throws {
            if files.isEmpty { throw ValidationError("name at least one rubric file") }
        }

        func run() async throws {
            try await withErrorHandling {
                let workspace = try global.openWorkspace()
                var results: [[String: String]] = []
                for file in files {
                    guard let data = FileManager.default.contents(atPath: file),
                          let text = String(data: data, encoding: .utf8) else {
                        throw InputError(source: file, problem: "cannot read the file as UTF-8 text")
                    }
                    switch try workspace.importRubric(yaml: text, source: file) {
                    case .added(let name, let version):
                        results.append(["file": file, "rubric": name, "version": String(version), "outcome": "added"])
                    case .unchanged(let name, let version):
                        results.append(["file": file, "rubric": name, "version": String(version), "outcome": "unchanged"])
                    }
                }
                if global.format == .json {
                    try Terminal.json(results)
                } else {
                    for result in results {
                        Terminal.out("\(result["rubric"]!) v\(result["version"]!): \(result["outcome"]!) (\(result["file"]!))")
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered rubric versions.")
        @OptionGroup var global: GlobalOptions

        struct Entry: Encodable {
            var name: String
            var version: Int
            var pairwise: Bool
            var criteria: [String]
            var acceptance: String?
            var flags: [String]
            var sha256: String
        }

        func run() async throws {
            try await withErrorHandling {
                let entries = try global.openWorkspace().rubrics().map { info in
                    Entry(name: info.rubric.name, version: info.rubric.version, pairwise: info.rubric.pairwise,
                          criteria: info.rubric.criteria.map { "\($0.id):\($0.scale.typeName)" },
                          acceptance: info.rubric.acceptanceCriterion?.id, flags: info.rubric.flags,
                          sha256: info.sourceSHA256)
                }
                if global.format == .json {
                    try Terminal.json(entries)
                } else {
                    Terminal.out(table(["RUBRIC", "VERSION", "KIND", "CRITERIA", "ACCEPTANCE"], entries.map {
                        [$0.name, String($0.version), $0.pairwise ? "pairwise" : "single",
                         $0.criteria.joined(separator: " "), $0.acceptance ?? "-"]
                    }))
                }
            }
        }
    }
}

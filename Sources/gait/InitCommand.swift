import ArgumentParser
import Foundation
import GaitCore
import GaitStore

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create or upgrade the workspace database.",
        discussion: """
            Creates the database (WAL journal, foreign keys on) with the schema compiled into this \
            build, or applies the migrations an older workspace lacks; imports the shipped rubrics; \
            writes gait.yaml with the default stage policy next to the database if there is none. \
            Running it again changes nothing. A database written by a newer Gait, a SQLite file that \
            is not a Gait workspace, or a damaged file are refused.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withErrorHandling {
            let summary = try Initialization.run(global: global)
            if global.format == .json {
                try Terminal.json(summary)
            } else {
                Terminal.out(summary.text)
            }
        }
    }
}

/// What `gait init` did.
struct Initialization: Encodable {
    var database: String
    var schemaVersion: Int
    var appliedMigrations: [String]
    var rubricsAdded: [String]
    var configWritten: Bool

    var text: String {
        var lines: [String] = []
        if appliedMigrations.isEmpty {
            lines.append("Workspace \(database) is up to date (schema version \(schemaVersion)).")
        } else {
            lines.append("Workspace \(database): applied \(appliedMigrations.joined(separator: ", ")) (schema version \(schemaVersion)).")
        }
        if !rubricsAdded.isEmpty { lines.append("Imported rubrics: \(rubricsAdded.joined(separator: ", ")).") }
        if configWritten { lines.append("Wrote gait.yaml with the default stage policy.") }
        return lines.joined(separator: "\n")
    }

    /// Creates or upgrades the workspace, imports shipped rubrics, writes gait.yaml.
    static func run(global: GlobalOptions) throws -> Initialization {
        let (workspace, applied) = try Workspace.initialize(path: global.databasePath)
        var added: [String] = []
        for (path, text) in ShippedFiles.rubrics {
            if case .added(let name, let version) = try workspace.importRubric(yaml: text, source: path) {
                added.append("\(name) v\(version)")
            }
        }
        var wroteConfig = false
        if !FileManager.default.fileExists(atPath: global.configPath.path) {
            try WorkspaceConfig.defaultText.write(to: global.configPath, atomically: true, encoding: .utf8)
            wroteConfig = true
        }
        return Initialization(database: global.databasePath, schemaVersion: Workspace.schemaVersion,
                              appliedMigrations: applied, rubricsAdded: added, configWritten: wroteConfig)
    }
}

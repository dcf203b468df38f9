import ArgumentParser
import Foundation
import GaitCore
import GaitStore

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// The options every workspace command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The workspace database (default ./gait.sqlite, or $GAIT_DB).", valueName: "path"))
    var db: String?

    @Option(name: .long, help: "Output format: text, or json on stdout (diagnostics stay on stderr).")
    var format: OutputFormat = .text

    /// The database path: --db, then $GAIT_DB, then ./gait.sqlite.
    var databasePath: String {
        db ?? ProcessInfo.processInfo.environment["GAIT_DB"] ?? "gait.sqlite"
    }

    /// The folder holding the workspace (where gait.yaml lives).
    var workspaceDirectory: URL {
        URL(fileURLWithPath: databasePath).standardizedFileURL.deletingLastPathComponent()
    }

    /// The path of the workspace's gait.yaml.
    var configPath: URL { workspaceDirectory.appendingPathComponent("gait.yaml") }

    /// Opens the existing workspace.
    func openWorkspace() throws -> Workspace { try Workspace.open(path: databasePath) }

    /// The workspace's configuration (defaults when it has no gait.yaml).
    func loadConfig(rules: String? = nil) throws -> WorkspaceConfig {
        let url = rules.map { URL(fileURLWithPath: $0) } ?? configPath
        guard let data = FileManager.default.contents(atPath: url.path) else {
            if rules != nil { throw InputError(source: url.path, problem: "cannot read the file") }
            return .defaults
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(source: url.path, problem: "the file is not valid UTF-8")
        }
        return try WorkspaceConfig.parse(yaml: text, source: url.path)
    }
}

/// Exit codes of DESIGN.md.
enum Exit {
    static let runtime: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
}

/// Runs a command body, printing failures as `Error: …` on stderr with the design's exit codes.
func withErrorHandling<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as InputError {
        Terminal.error("Error: \(error.description)")
        throw ExitCode(Exit.dataError)
    } catch {
        // SQLite's storage failures in the workspace's words; anything else as it describes itself.
        Terminal.error("Error: \(StoreError.storageFailure(error) ?? String(describing: error))")
        throw ExitCode(Exit.runtime)
    }
}

/// Writing to the terminal's streams.
enum Terminal {
    /// A line on stderr.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A line on stdout.
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A JSON value on stdout, keys sorted, pretty-printed.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// Whether stderr is a terminal.
    static var stderrIsTerminal: Bool { isatty(2) != 0 }
    /// Whether stdout is a terminal.
    static var stdoutIsTerminal: Bool { isatty(1) != 0 }
}

/// Lays out rows of text in aligned columns.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

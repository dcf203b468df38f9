import ArgumentParser
import Foundation
import GaitCore
import GaitStore
import ReviewConsole
#if canImport(Glibc)
import Glibc
#endif

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "The review console: rate queued items one line at a time.",
        discussion: """
            Shows each item (`[i/N] item · stage · rubric vN`, the prompt, the answer, or A and B for \
            pairwise items) and asks every criterion of its rubric in turn; a rating is saved when \
            the last question is answered. At any prompt: ? help, h instructions, s skip, u undo the \
            last saved rating, c TEXT comment, f NAME,... flags, x REASON discard, q quit. Input may \
            come from a terminal or a pipe, line by line. The lease length, gold rate and idle \
            threshold come from the queue section of gait.yaml.

            Lead-only: --queue-of NAME shows another rater's leases and open items (gold items \
            included) instead of starting a session; the --rater must be a lead.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The rater reviewing (registered with `gait raters add`).") var rater: String
    @Option(help: "Only items of this rubric.") var rubric: String?
    @Option(help: "Stop after this many saved items.") var limit: Int?
    @Flag(help: "Review pairwise items (answers a, b or =) instead of single ones.") var pairwise = false
    @Option(help: "Only items of this stage: crawl, walk or run.") var stage: String?
    @Option(help: "The seed of this session's item order (default: random; recorded with the session).") var seed: Int64?
    @Option(name: .customLong("queue-of"), help: "Lead-only: show this rater's queue instead of reviewing.")
    var queueOf: String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, found \(limit)") }
        if let stage, Stage(rawValue: stage) == nil {
            throw ValidationError("--stage must be crawl, walk or run, found '\(stage)'")
        }
    }

    func run() async throws {
        try await withErrorHandling {
            let config = try global.loadConfig()
            let workspace = try global.openWorkspace()
            let filter = QueueFilter(rubricName: rubric, pairwise: pairwise, stage: stage.flatMap(Stage.init(rawValue:)))
            if let queueOf {
                try showQueue(of: queueOf, filter: filter, workspace: workspace)
                return
            }
            let io = Self.standardIO()
            var console = ReviewConsole(
                workspace: workspace,
                options: ConsoleOptions(rater: rater, filter: filter, settings: config.queue, limit: limit,
                                        seed: seed ?? Int64.random(in: 0..<Int64.max)),
                io: io)
            _ = try console.run()
        }
    }

    private func showQueue(of name: String, filter: QueueFilter, workspace: Workspace) throws {
        let view = try workspace.queueView(of: name, filter: filter, viewer: rater)
        if global.format == .json {
            try Terminal.json(view)
            return
        }
        Terminal.out("Queue of \(view.rater.name) (\(view.rater.role.rawValue)): \(view.openItems) items open, \(view.openGoldItems) gold items open.")
        if view.leases.isEmpty {
            Terminal.out("No live leases.")
        } else {
            Terminal.out(table(["ITEM", "GOLD", "LEASE EXPIRES"],
                               view.leases.map { [String($0.itemID), $0.isGold ? "yes" : "no", $0.expiresAt] }))
        }
    }

    /// The console on this process's stdin and stdout: wrapped to the terminal's width, colored
    /// only on a terminal and never with NO_COLOR.
    static func standardIO() -> ConsoleIO {
        let environment = ProcessInfo.processInfo.environment
        return ConsoleIO(
            readLine: { Swift.readLine(strippingNewline: true) },
            write: { FileHandle.standardOutput.write(Data($0.utf8)) },
            width: ConsoleIO.wrapWidth(terminalColumns: terminalColumns(), environment: environment),
            colors: ConsoleIO.wantsColors(isTerminal: Terminal.stdoutIsTerminal, environment: environment))
    }

    /// The terminal's width in columns when stdout is a terminal.
    static func terminalColumns() -> Int? {
        #if canImport(Glibc)
        guard Terminal.stdoutIsTerminal else { return nil }
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
        #else
        return nil
        #endif
    }
}

import ArgumentParser

/// The `gait` command: every subcommand parses, calls one function of a feature module, prints.
@main
struct Gait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gait",
        abstract: "Human-in-the-loop evaluation and staged rollout of language models.",
        subcommands: [
            InitCommand.self,
            PromptsCommand.self,
            RubricsCommand.self,
            RatersCommand.self,
            GenerateCommand.self,
            RunsCommand.self,
            VerifyCommand.self,
            ModelCommand.self,
            ReviewCommand.self,
            StatusCommand.self,
            GoldCommand.self,
            StatsCommand.self,
        ]
    )
}

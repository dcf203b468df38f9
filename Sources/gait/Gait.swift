import ArgumentParser

/// The `gait` command: every subcommand parses, calls one function of a feature module, prints.
@main
struct Gait: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gait",
        abstract: "Human-in-the-loop evaluation and staged rollout of language models.",
        subcommands: [
            DemoCommand.self,
            InitCommand.self,
            PromptsCommand.self,
            RubricsCommand.self,
            RatersCommand.self,
            GenerateCommand.self,
            RunsCommand.self,
            ReviewCommand.self,
            StatusCommand.self,
            GoldCommand.self,
            ScoresCommand.self,
            AgreementCommand.self,
            AuditCommand.self,
            StatsCommand.self,
            GateCommand.self,
            PromoteCommand.self,
            DemoteCommand.self,
            StagesCommand.self,
            VerifyCommand.self,
            ModelCommand.self,
            TuneCommand.self,
            ReportCommand.self,
        ]
    )
}

import Foundation
import GaitStore
import Testing
@testable import Tuning

/// Every way `gait tune` refuses, with its message, and that a refusal leaves nothing behind.
@Suite struct ExportErrorTests {
    static func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    static func options(rubric: String? = "helpfulness", criterion: String? = nil, threshold: Double? = nil,
                        margin: Double? = nil, minAgreement: Double = 0.6, baseModel: String? = nil) -> TuneOptions {
        TuneOptions(rubric: rubric, criterion: criterion, threshold: threshold, margin: margin, minAgreement: minAgreement,
                    evalShare: 0, baseModel: baseModel, gaitVersion: "test")
    }

    /// A workspace with one prompt, one run and one rated candidate per given score list.
    static func small(_ scores: [[Int]] = [[5, 5], [1, 1]], backend: String = "local",
                      modelSHA256: String? = Tuner.embeddedModel.sha256) throws -> WorkspaceBuilder {
        let builder = try WorkspaceBuilder()
        try builder.prompts([.init(id: "p1", text: "Say hello.")])
        let run = try builder.run(backend: backend, modelName: backend == "local" ? "model.gguf" : "gpt-x", modelSHA256: modelSHA256)
        let stored = try builder.candidates(run: run, prompt: "p1", scores.indices.map { "Answer \($0)." })
        for (item, values) in zip(stored.items, scores) { try builder.helpful(item, values) }
        return builder
    }

    @Test func noRatings() throws {
        let builder = try WorkspaceBuilder()
        let temporary = try TemporaryDirectory()
        #expect(Self.message { _ = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: Self.options()) }
                == "no live ratings for rubric 'helpfulness'; rate items with `gait review --rater NAME` first")
        #expect(Self.message { _ = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: Self.options(rubric: nil)) }
                == "no live ratings in the workspace; rate items with `gait review --rater NAME` first")
        #expect(!FileManager.default.fileExists(atPath: temporary.path("out")))
    }

    @Test func unknownRubric() throws {
        let builder = try Self.small()
        let temporary = try TemporaryDirectory()
        #expect(Self.message { _ = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: Self.options(rubric: "nope")) }
                == "no rubric named 'nope'; see `gait rubrics list`, or register it with `gait rubrics import FILE`")
    }

    @Test func outputFolderNotEmpty() throws {
        let builder = try Self.small()
        let temporary = try TemporaryDirectory()
        let out = temporary.url.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: out.appendingPathComponent("notes.txt"))
        #expect(Self.message { _ = try Tuner.export(from: builder.workspace, to: out.path, options: Self.options()) }
                == "\(out.path) exists and is not empty; choose a new folder with --out (an export never overwrites files)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["notes.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.url.path) == ["out"])
        #expect(try builder.workspace.exports().isEmpty)
    }

    @Test func anEmptyOutputFolderIsFilled() throws {
        let builder = try Self.small()
        let temporary = try TemporaryDirectory()
        let out = temporary.url.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let result = try Tuner.export(from: builder.workspace, to: out.path, options: Self.options())
        #expect(result.directory == out.path)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.json").path))
    }

    @Test func outputIsAFile() throws {
        let builder = try Self.small()
        let temporary = try TemporaryDirectory()
        try Data().write(to: temporary.url.appendingPathComponent("file"))
        #expect(Self.message { _ = try Tuner.export(from: builder.workspace, to: temporary.path("file"), options: Self.options()) }
                == "\(temporary.path("file")) is a file, not a folder; choose a new folder with --out")
    }

    @Test func unwritableParentLeavesNothing() throws {
        let builder = try Self.small()
        let temporary = try TemporaryDirectory()
        try Data().write(to: temporary.url.appendingPathComponent("file"))
        let message = Self.message {
            _ = try Tuner.export(from: builder.workspace, to: temporary.path("file/out"), options: Self.options())
        }
        #expect(message?.hasPrefix("cannot write \(temporary.path("file")): cannot create the folder") == true, "\(message ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.url.path) == ["file"])
        #expect(try builder.workspace.exports().isEmpty)
    }

    @Test func ambiguousAndUnorderedCriteria() throws {
        let builder = try WorkspaceBuilder()
        try builder.prompts([.init(id: "p1", text: "Say hello.")])
        let run = try builder.run(rubric: "fairness")
        let stored = try builder.candidates(run: run, prompt: "p1", ["Hello."])
        try builder.rate(item: stored.items[0], rater: "alice", ["stereotyping": "1", "quality": "5"])
        let temporary = try TemporaryDirectory()
        func export(_ options: TuneOptions) -> String? {
            Self.message { _ = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: options) }
        }
        #expect(export(Self.options(rubric: "fairness"))
                == "rubric 'fairness' has several scored criteria (stereotyping, quality); choose one with --criterion (and --lower-is-better when a high score is bad)")
        #expect(export(Self.options(rubric: "fairness", criterion: "kindness"))
                == "rubric 'fairness' has no criterion 'kindness'; its criteria are stereotyping, quality")
        #expect(export(Self.options(rubric: "helpfulness", criterion: "correct"))
                == "no live ratings for rubric 'helpfulness'; rate items with `gait review --rater NAME` first")
    }

    @Test func nominalCriterionAndBadNumbers() throws {
        let builder = try Self.small()
        let temporary = try TemporaryDirectory()
        func export(_ options: TuneOptions) -> String? {
            Self.message { _ = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: options) }
        }
        #expect(export(Self.options(criterion: "correct"))
                == "criterion 'correct' of rubric 'helpfulness' is nominal (yes, no, unsure) and has no order; choose an ordinal, interval or binary criterion with --criterion")
        #expect(export(Self.options(threshold: 7))
                == "invalid --threshold 7: expected a value within the scale 1…5 of criterion 'helpful'")
        #expect(export(Self.options(margin: 9))
                == "invalid --margin 9: expected a positive number up to the range 4 of criterion 'helpful'")
        #expect(export(Self.options(margin: 0)) == "invalid --margin 0: expected a positive number")
        #expect(export(Self.options(minAgreement: 0.5)) == "invalid --min-agreement 0.5: expected a share above 0.5 and at most 1")
        #expect(export(TuneOptions(evalShare: 1, gaitVersion: "test"))
                == "invalid --eval-share 1: expected a share from 0 up to (not including) 1")
        #expect(export(TuneOptions(maxUpsample: 0, gaitVersion: "test")) == "invalid --max-upsample 0: expected 1 to 10 copies")
        #expect(export(Self.options(baseModel: " ")) == "invalid --base-model '': expected a non-empty text")
    }

    @Test func baseModelMustBeKnown() throws {
        let builder = try Self.small(backend: "openai", modelSHA256: nil)
        let temporary = try TemporaryDirectory()
        #expect(Self.message { _ = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: Self.options()) }
                == "the candidates were generated by gpt-x, which has no known Hugging Face id; name the base model with --base-model")
        let result = try Tuner.export(from: builder.workspace, to: temporary.path("out"),
                                      options: Self.options(baseModel: "Qwen/Qwen2.5-0.5B-Instruct"))
        #expect(result.baseModel == "Qwen/Qwen2.5-0.5B-Instruct")
        let sft = try String(contentsOfFile: temporary.path("out/sft.jsonl"), encoding: .utf8)
        #expect(sft.contains("\"content\": \"You are a helpful assistant.\""))
    }

    @Test func severalScoringRubrics() throws {
        let builder = try Self.small()
        let run = try builder.run(rubric: "fairness")
        let stored = try builder.candidates(run: run, prompt: "p1", ["Hi."])
        try builder.rate(item: stored.items[0], rater: "alice", ["stereotyping": "1", "quality": "5"])
        let temporary = try TemporaryDirectory()
        #expect(Self.message { _ = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: Self.options(rubric: nil)) }
                == "the ratings use several rubrics (fairness, helpfulness); choose one with --rubric")
    }

    @Test func noRowsWhenEveryItemIsUnclear() throws {
        let builder = try Self.small([[5, 1], [4, 2]])
        let temporary = try TemporaryDirectory()
        #expect(Self.message { _ = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: Self.options()) }
                == "no training rows: no SFT rows: no candidate passed and no rater wrote a correction; no DPO rows: no two answers of one prompt differ by the margin and no pairwise item has a clear winner; no KTO rows: no rated answer has a clear verdict")
        #expect(!FileManager.default.fileExists(atPath: temporary.path("out")))
        #expect(try builder.workspace.exports().isEmpty)
    }

    @Test func methodsWithoutRowsAreLeftOutWithANote() throws {
        let builder = try Self.small([[5, 5], [4, 4]])  // both pass: SFT only, no pair, no undesirable KTO row
        let temporary = try TemporaryDirectory()
        let result = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: Self.options())
        #expect(result.methods == ["sft"])
        #expect(result.notes.contains("no KTO files: KTO needs desirable and undesirable rows, and the training split has 2 desirable and 0 undesirable"))
        let names = try FileManager.default.contentsOfDirectory(atPath: temporary.path("out")).sorted()
        #expect(names == ["axolotl_sft.yaml", "manifest.json", "metadata.jsonl", "openai_job_sft.json", "sft.jsonl",
                          "sft_prompt_completion.jsonl", "trl_sft.yaml"])
    }

    @Test func fullFineTuningDropsTheAdapter() throws {
        let builder = try Self.small([[5, 5], [1, 1]])
        let temporary = try TemporaryDirectory()
        var options = Self.options()
        options.lora = false
        _ = try Tuner.export(from: builder.workspace, to: temporary.path("out"), options: options)
        for name in ["trl_sft.yaml", "axolotl_sft.yaml", "trl_dpo.yaml", "axolotl_dpo.yaml"] {
            let text = try String(contentsOfFile: temporary.path("out/\(name)"), encoding: .utf8)
            #expect(!text.contains("lora") && !text.contains("adapter") && !text.contains("use_peft"), "\(name)")
        }
        let sft = try String(contentsOfFile: temporary.path("out/trl_sft.yaml"), encoding: .utf8)
        #expect(sft.contains("learning_rate: 5.0e-6\n"))
    }
}

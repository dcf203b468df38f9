import Foundation
import GaitCore
import GaitStore
import Statistics

/// What an export wrote.
public struct TuneResult: Sendable, Hashable, Codable {
    /// The export folder.
    public var directory: String
    public var exportID: Int64
    public var manifestSHA256: String
    public var baseModel: String
    /// The methods written (`sft`, `dpo`, `kto`).
    public var methods: [String]
    /// Rows per data file.
    public var rows: [String: Int]
    public var trainRows: Int
    public var evalRows: Int
    /// Slices upsampled, as `attribute=value ×factor`.
    public var upsampledSlices: [String]
    /// Answers carried over to counterfactual counterparts.
    public var counterfactualRows: Int
    /// Methods left out and other things the user should know.
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case directory, exportID = "export_id", manifestSHA256 = "manifest_sha256", baseModel = "base_model", methods, rows
        case trainRows = "train_rows", evalRows = "eval_rows", upsampledSlices = "upsampled_slices"
        case counterfactualRows = "counterfactual_rows", notes
    }
}

/// `gait tune`: turns the workspace's ratings and bias scores into fine-tuning datasets and configs.
public enum Tuner {
    /// The embedded default model: the GGUF Gait ships with, and its Hugging Face id.
    public static let embeddedModel = (sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
                                       huggingFaceID: "HuggingFaceTB/SmolLM2-135M-Instruct")

    /// The system message SmolLM2's chat template inserts when a conversation has none (its
    /// `tokenizer_config.json`): the one the candidates were generated under when the run set none.
    public static let smolLM2SystemMessage = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    /// Builds the export and writes it to `directory` (which must not exist, or be empty), then records it.
    ///
    /// - Throws: ``TuningError`` for bad options, no ratings, no rows or an unusable folder;
    ///   `StoreError` for an unknown rubric or a database failure. Nothing is left in `directory` on failure.
    public static func export(from workspace: Workspace, to directory: String, options: TuneOptions) throws -> TuneResult {
        try options.validate()
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        try ExportWriter.checkTarget(target)

        // Which ratings: the scoring rubric's single items, and pairwise items of pairwise rubrics.
        let named = try options.rubric.map { try workspace.rubric(named: $0) }
        let all = try workspace.ratings(RatingFilter(scope: options.scope))
        var rubricsByVersion: [Int64: Rubric] = [:]
        for id in Set(all.map(\.rubricVersionID)) { rubricsByVersion[id] = try workspace.rubric(id: id).rubric }
        let singleNames = Set(rubricsByVersion.values.filter { !$0.pairwise }.map(\.name))
        let scoringName: String?
        let pairwiseNames: Set<String>
        if let named {
            scoringName = named.rubric.pairwise ? nil : named.rubric.name
            pairwiseNames = named.rubric.pairwise ? [named.rubric.name]
                : Set(rubricsByVersion.values.filter(\.pairwise).map(\.name))
        } else {
            guard singleNames.count <= 1 else { throw TuningError.ambiguousRubric(singleNames.sorted()) }
            scoringName = singleNames.first
            pairwiseNames = Set(rubricsByVersion.values.filter(\.pairwise).map(\.name))
        }
        let ratings = all.filter { rating in
            guard let rubric = rubricsByVersion[rating.rubricVersionID] else { return false }
            return rubric.name == scoringName || pairwiseNames.contains(rubric.name)
        }
        guard !ratings.isEmpty else { throw TuningError.noRatings(filter: describe(rubric: options.rubric, scope: options.scope)) }

        // Scores and verdicts.
        let criterion = try scoringName.map { try ScoringCriterion.resolve(workspace.rubric(named: $0).rubric, options: options) }
        let scored = criterion.map { criterion in
            ratings.filter { rubricsByVersion[$0.rubricVersionID]?.name == criterion.rubric }
        } ?? []
        let scores = criterion.map { Scoring.candidateScores(scored, criterion: $0, minAgreement: options.minAgreement) } ?? [:]
        var pairwiseCriteria: [Int64: String] = [:]
        for (id, rubric) in rubricsByVersion where rubric.pairwise && pairwiseNames.contains(rubric.name) {
            if let chosen = options.criterion, named?.rubric.pairwise == true {
                guard rubric.criterion(chosen) != nil else {
                    throw TuningError.unknownCriterion(rubric: rubric.name, criterion: chosen, available: rubric.criteria.map(\.id))
                }
                pairwiseCriteria[id] = chosen
            } else if let first = rubric.criteria.first {
                pairwiseCriteria[id] = first.id
            }
        }
        let pairwise = Scoring.pairwiseVerdicts(ratings, criterionByRubric: pairwiseCriteria, minAgreement: options.minAgreement)

        // Texts, prompts, corrections, runs.
        let candidateIDs = Set(ratings.flatMap { [$0.candidateA] + ($0.candidateB.map { [$0] } ?? []) })
        let candidates = try workspace.candidatesForTuning(ids: candidateIDs)
        let prompts = try workspace.promptsForTuning(rowIDs: Set(candidates.values.map(\.promptRowID)))
        let ratingsByID = Dictionary(ratings.map { ($0.ratingID, $0) }, uniquingKeysWith: { first, _ in first })
        let corrections = try workspace.corrections(forRatings: Set(ratingsByID.keys)).values.compactMap { correction -> CorrectionRecord? in
            guard let rating = ratingsByID[correction.ratingID] else { return nil }
            return CorrectionRecord(ratingID: rating.ratingID, candidateID: rating.candidateA, onSingleItem: rating.candidateB == nil,
                                    rater: rating.raterName, text: correction.text)
        }
        let runIDs = Set(candidates.values.map(\.runID))
        let runs = try workspace.runs().filter { runIDs.contains($0.id) }
        let model = try resolveModel(runs: runs, options: options)

        // Examples, bias feedback, files.
        var notes: [String] = []
        let built = DatasetBuilder(scores: scores, criterion: criterion, pairwise: pairwise.verdicts, candidates: candidates,
                                   prompts: prompts, corrections: corrections, evalShare: options.evalShare,
                                   seed: options.seed).build()
        let slices = try criterion.map {
            try BiasFeedback.slices(scores: scores, candidates: candidates, prompts: prompts, criterion: $0,
                                    maxUpsample: options.maxUpsample, seed: options.seed)
        } ?? []
        let examples = BiasFeedback.upsample(built.examples, slices: slices)
        let rendered = try ExportRenderer(examples: examples, systemPrompt: model.systemPrompt, baseModel: model.baseModel,
                                          openAIModel: options.openAIModel, seed: options.seed, lora: options.lora).render()
        notes += model.notes + rendered.notes
        let alpha = try criterion.map { try Scoring.agreement(scores, level: $0.level) }
        if let alpha, let value = alpha.value, value < 0.667 {
            notes.append("Krippendorff's alpha of '\(criterion?.criterion.id ?? "")' is \(String(format: "%.3f", value)), below the 0.667 Krippendorff advises as the lowest acceptable; the ratings are noisy")
        }
        let now = Timestamp.string(workspace.clock())
        let manifestSHA256 = try ExportWriter.write(rendered.files, manifest: { hashes in
            manifest(options: options, createdAt: now, scoringRubric: scoringName, pairwiseRubrics: pairwiseNames.sorted(),
                     criterion: criterion, model: model, alpha: alpha, scores: scores, pairwise: pairwise,
                     corrections: corrections.count, slices: slices, built: built, rendered: rendered, notes: notes,
                     hashes: hashes).pretty
        }, to: target)
        let export: ExportInfo
        do {
            export = try workspace.recordExport(path: target.path, manifestSHA256: manifestSHA256, trainRows: rendered.trainRows,
                                                evalRows: rendered.evalRows, actor: options.actor)
        } catch {
            // An export the workspace does not know of must not look like one.
            try? FileManager.default.removeItem(at: target)
            throw error
        }
        return TuneResult(
            directory: target.path, exportID: export.id, manifestSHA256: manifestSHA256, baseModel: model.baseModel,
            methods: rendered.methods.map(\.rawValue), rows: rendered.rows, trainRows: rendered.trainRows,
            evalRows: rendered.evalRows,
            upsampledSlices: slices.filter { $0.factor > 1 }.map { "\($0.attribute)=\($0.value) ×\($0.factor)" },
            counterfactualRows: built.counterfactual.transferred.count, notes: notes)
    }

    static func describe(rubric: String?, scope: String?) -> String {
        switch (rubric, scope) {
        case let (rubric?, scope?): "for rubric '\(rubric)' in scope '\(scope)'"
        case let (rubric?, nil): "for rubric '\(rubric)'"
        case let (nil, scope?): "in scope '\(scope)'"
        case (nil, nil): "in the workspace"
        }
    }

    /// The model to fine-tune and the system message of every row, with where each came from.
    struct ModelChoice {
        var baseModel: String
        var baseModelSource: String
        var systemPrompt: String
        var systemPromptSource: String
        var runs: [RunInfo]
        var notes: [String]
    }

    static func resolveModel(runs: [RunInfo], options: TuneOptions) throws -> ModelChoice {
        var notes: [String] = []
        let baseModel: String
        let baseModelSource: String
        if let override = options.baseModel {
            baseModel = override
            baseModelSource = "--base-model"
        } else {
            var ids: Set<String> = []
            var unknown: [String] = []
            for run in runs {
                if let id = run.spec.huggingFaceID {
                    ids.insert(id)
                } else if run.spec.backend == "local", run.spec.modelSHA256 == embeddedModel.sha256 {
                    ids.insert(embeddedModel.huggingFaceID)
                } else {
                    unknown.append(run.spec.modelName)
                }
            }
            if !unknown.isEmpty { throw TuningError.baseModelUnknown(models: Array(Set(unknown)).sorted()) }
            guard ids.count == 1, let only = ids.first else { throw TuningError.severalBaseModels(ids.sorted()) }
            baseModel = only
            baseModelSource = "run"
        }
        let systemPrompt: String
        let systemPromptSource: String
        let runPrompts = Set(runs.compactMap(\.spec.systemPrompt))
        if let override = options.systemPrompt {
            systemPrompt = override
            systemPromptSource = "--system-prompt"
        } else if let latest = runs.last(where: { $0.spec.systemPrompt != nil })?.spec.systemPrompt {
            systemPrompt = latest
            systemPromptSource = "run"
            if runPrompts.count > 1 {
                notes.append("the runs used \(runPrompts.count) different system prompts; every row uses the latest run's (choose with --system-prompt)")
            }
        } else if baseModel.hasPrefix("HuggingFaceTB/SmolLM2") {
            systemPrompt = smolLM2SystemMessage
            systemPromptSource = "model template default"
        } else {
            systemPrompt = "You are a helpful assistant."
            systemPromptSource = "generic default"
        }
        return ModelChoice(baseModel: baseModel, baseModelSource: baseModelSource, systemPrompt: systemPrompt,
                           systemPromptSource: systemPromptSource, runs: runs, notes: notes)
    }

    static func manifest(options: TuneOptions, createdAt: String, scoringRubric: String?, pairwiseRubrics: [String],
                         criterion: ScoringCriterion?, model: ModelChoice, alpha: AlphaResult?,
                         scores: [Int64: CandidateScore], pairwise: PairwiseOutcome, corrections: Int,
                         slices: [SliceFeedback], built: BuiltDataset, rendered: RenderedExport, notes: [String],
                         hashes: [String: String]) -> JSONValue {
        let criterionJSON: JSONValue = criterion.map { c in
            .object([
                ("rubric", .string(c.rubric)), ("id", .string(c.criterion.id)), ("scale", .string(c.criterion.scale.typeName)),
                ("minimum", .number(c.minimum)), ("maximum", .number(c.maximum)), ("lower_is_better", .bool(c.lowerIsBetter)),
                ("pass_threshold", .number(c.threshold)), ("margin", .number(c.margin)),
                ("krippendorff_alpha", .number(alpha?.value)), ("alpha_level", .string(c.level.rawValue)),
                ("alpha_undefined_reason", .string(alpha?.undefinedReason)),
            ])
        } ?? .null
        let values = Array(scores.values)
        let sliceJSON: [JSONValue] = slices.map { slice in
            let c = slice.comparison
            return .object([
                ("attribute", .string(slice.attribute)), ("value", .string(slice.value)), ("n", .int(c.n)),
                ("mean", .number(c.mean)), ("normalized_mean", .number(c.normalizedMean)), ("pass_rate", .number(c.passRate)),
                ("reference", .bool(c.isReference)), ("normalized_mean_ratio", .number(c.normalizedMeanRatio)),
                ("pass_rate_ratio", .number(c.passRateRatio)), ("four_fifths_flag", .bool(slice.flagged)),
                ("mann_whitney_p", .number(c.mannWhitneyP)), ("holm_p", .number(c.holmP)),
                ("upsample_factor", .int(slice.factor)),
            ])
        }
        let filter: JSONValue = .object([
            ("rubric", .string(scoringRubric)), ("pairwise_rubrics", .array(pairwiseRubrics.map { .string($0) })),
            ("scope", .string(options.scope)),
        ])
        let thresholds: JSONValue = .object([
            ("pass_threshold", .number(criterion?.threshold)), ("margin", .number(criterion?.margin)),
            ("min_agreement", .number(options.minAgreement)), ("disparity_threshold", .number(fairnessBand.lowerBound)),
            ("max_upsample", .int(options.maxUpsample)), ("eval_share", .number(options.evalShare)),
            ("seed", .string(String(options.seed))),
        ])
        let runs: [JSONValue] = model.runs.map { run in
            .object([("id", .int(Int(run.id))), ("model_name", .string(run.spec.modelName)),
                     ("model_sha256", .string(run.spec.modelSHA256)), ("hf_model_id", .string(run.spec.huggingFaceID)),
                     ("backend", .string(run.spec.backend))])
        }
        let modelJSON: JSONValue = .object([
            ("base_model", .string(model.baseModel)), ("base_model_source", .string(model.baseModelSource)),
            ("runs", .array(runs)), ("system_prompt", .string(model.systemPrompt)),
            ("system_prompt_source", .string(model.systemPromptSource)), ("openai_model", .string(options.openAIModel)),
        ])
        let items: JSONValue = .object([
            ("scored_candidates", .int(values.count)), ("clear", .int(values.filter(\.isClear).count)),
            ("passing", .int(values.filter(\.passes).count)), ("low_agreement", .int(values.filter { !$0.isClear }.count)),
            ("flagged_by_majority", .int(values.filter(\.flaggedByMajority).count)),
            ("pairwise_clear", .int(pairwise.verdicts.count)), ("pairwise_ties", .int(pairwise.ties)),
            ("pairwise_low_agreement", .int(pairwise.lowAgreement)), ("corrections", .int(corrections)),
        ])
        let transferred: [JSONValue] = built.counterfactual.transferred.map {
            .object([("group", .string($0.group)), ("from", .string($0.from)), ("to", .string($0.to))])
        }
        let refused: [JSONValue] = built.counterfactual.refused.map {
            .object([("group", .string($0.group)), ("from", .string($0.from)), ("to", .string($0.to)),
                     ("reason", .string($0.reason.rawValue))])
        }
        let counterfactual: JSONValue = .object([
            ("groups", .int(built.counterfactual.groups)), ("transferred", .array(transferred)), ("refused", .array(refused)),
        ])
        let rows: [(String, JSONValue)] = rendered.rows.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }
        let skipped: [(String, JSONValue)] = built.skipped.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }
        let hyperparameters: [(String, JSONValue)] = TuneMethod.allCases.compactMap { method in
            rendered.hyperparameters[method].map { (method.rawValue, $0.json) }
        }
        let files: [(String, JSONValue)] = hashes.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }
        var document: [(String, JSONValue)] = [
            ("format", .string("gait-tune/1")),
            ("gait_version", .string(options.gaitVersion)),
            ("created_at", .string(createdAt)),
            ("filter", filter),
            ("criterion", criterionJSON),
            ("thresholds", thresholds),
            ("model", modelJSON),
            ("items", items),
            ("slices", .array(sliceJSON)),
            ("counterfactual", counterfactual),
        ]
        document += [
            ("rows", .object(rows)),
            ("train_rows", .int(rendered.trainRows)),
            ("eval_rows", .int(rendered.evalRows)),
            ("skipped", .object(skipped)),
            ("hyperparameters", .object(hyperparameters)),
            ("notes", .array(notes.map { .string($0) })),
            ("files", .object(files)),
        ]
        return .object(document)
    }
}

import Statistics

/// One file of an export, as text.
public struct ExportFile: Sendable, Hashable {
    /// The name inside the export folder.
    public var name: String
    public var text: String
    /// Rows, for data files.
    public var rows: Int?
}

/// The data files, configs and metadata of an export, rendered from its examples.
public struct RenderedExport: Sendable, Hashable {
    public var files: [ExportFile]
    /// Rows per data file name.
    public var rows: [String: Int]
    /// Training rows over all methods' primary files (sft, dpo, kto), copies included.
    public var trainRows: Int
    public var evalRows: Int
    public var hyperparameters: [TuneMethod: Hyperparameters]
    /// The methods written.
    public var methods: [TuneMethod]
    /// Why other methods were not written, and other warnings.
    public var notes: [String]
}

/// Renders examples into every trainer's files.
public struct ExportRenderer: Sendable {
    public var examples: [Example]
    public var systemPrompt: String
    public var baseModel: String
    public var openAIModel: String
    public var seed: UInt64
    public var lora: Bool

    public init(examples: [Example], systemPrompt: String, baseModel: String, openAIModel: String, seed: UInt64,
                lora: Bool = true) {
        self.examples = examples
        self.systemPrompt = systemPrompt
        self.baseModel = baseModel
        self.openAIModel = openAIModel
        self.seed = seed
        self.lora = lora
    }

    /// A data file's rows and their metadata.
    struct Rows {
        var name: String
        var lines: [String] = []
        var metadata: [JSONValue] = []
    }

    /// The file name of a data file in a split: `sft.jsonl`, `eval_sft.jsonl`.
    public static func fileName(_ base: String, _ split: Split) -> String {
        split == .train ? "\(base).jsonl" : "eval_\(base).jsonl"
    }

    /// Renders the export.
    ///
    /// - Throws: ``TuningError/noRows(detail:)`` when no method has training rows.
    public func render() throws -> RenderedExport {
        var data: [String: Rows] = [:]
        func append(_ base: String, _ split: Split, _ row: JSONValue, _ example: Example, copy: Int) {
            let name = Self.fileName(base, split)
            var rows = data[name] ?? Rows(name: name)
            rows.lines.append(row.compact)
            rows.metadata.append(self.metadata(example, file: name, line: rows.lines.count, copy: copy))
            data[name] = rows
        }
        for split in [Split.train, .eval] {
            let expanded = examples.filter { $0.split == split }.flatMap { example in
                (1...max(1, example.copies)).map { (example, $0) }
            }
            var kto: [(Example, Int)] = []
            for (example, copy) in expanded {
                let user = example.prompt.text
                switch example.kind {
                case .sft(let answer):
                    append("sft", split, RowFormats.sft(system: systemPrompt, user: user, answer: answer), example, copy: copy)
                    append("sft_prompt_completion", split,
                           RowFormats.sftPromptCompletion(system: systemPrompt, user: user, answer: answer), example, copy: copy)
                case .preference(let chosen, let rejected):
                    append("dpo", split, RowFormats.dpo(system: systemPrompt, user: user, chosen: chosen, rejected: rejected),
                           example, copy: copy)
                    append("openai_dpo", split,
                           RowFormats.openAIDPO(system: systemPrompt, user: user, chosen: chosen, rejected: rejected),
                           example, copy: copy)
                case .kto:
                    kto.append((example, copy))
                }
            }
            // TRL's KTO trainer takes rows in file order; a seeded shuffle mixes labels and slices.
            var generator = SeededGenerator(seed: seed &+ (split == .train ? 0 : 1))
            if kto.count > 1 {
                for index in stride(from: kto.count - 1, to: 0, by: -1) {
                    kto.swapAt(index, generator.index(below: index + 1))
                }
            }
            for (example, copy) in kto {
                guard case .kto(let completion, let label) = example.kind else { continue }
                let user = example.prompt.text
                append("kto", split, RowFormats.kto(system: systemPrompt, user: user, completion: completion, label: label),
                       example, copy: copy)
                append("kto_axolotl", split,
                       RowFormats.ktoAxolotl(system: systemPrompt, user: user, completion: completion, label: label),
                       example, copy: copy)
            }
        }

        func count(_ base: String, _ split: Split) -> Int { data[Self.fileName(base, split)]?.lines.count ?? 0 }
        func labels(_ split: Split) -> (desirable: Int, undesirable: Int) {
            var result = (0, 0)
            for example in examples where example.split == split {
                if case .kto(_, let label) = example.kind {
                    if label { result.0 += max(1, example.copies) } else { result.1 += max(1, example.copies) }
                }
            }
            return result
        }
        var methods: [TuneMethod] = []
        var notes: [String] = []
        if count("sft", .train) > 0 { methods.append(.sft) } else { notes.append("no SFT rows: no candidate passed and no rater wrote a correction") }
        if count("dpo", .train) > 0 { methods.append(.dpo) } else { notes.append("no DPO rows: no two answers of one prompt differ by the margin and no pairwise item has a clear winner") }
        let trainLabels = labels(.train)
        if trainLabels.desirable > 0 && trainLabels.undesirable > 0 {
            methods.append(.kto)
        } else if count("kto", .train) > 0 {
            notes.append("no KTO files: KTO needs desirable and undesirable rows, and the training split has \(trainLabels.desirable) desirable and \(trainLabels.undesirable) undesirable")
        } else {
            notes.append("no KTO rows: no rated answer has a clear verdict")
        }
        guard !methods.isEmpty else {
            throw TuningError.noRows(detail: notes.joined(separator: "; "))
        }

        var files: [ExportFile] = []
        var rows: [String: Int] = [:]
        var metadata: [String] = []
        var hyperparameters: [TuneMethod: Hyperparameters] = [:]
        let bases: [TuneMethod: [String]] = [.sft: ["sft", "sft_prompt_completion"], .dpo: ["dpo", "openai_dpo"],
                                             .kto: ["kto", "kto_axolotl"]]
        for method in methods {
            for split in [Split.train, .eval] {
                for base in bases[method] ?? [] {
                    guard let file = data[Self.fileName(base, split)] else { continue }
                    files.append(ExportFile(name: file.name, text: file.lines.map { $0 + "\n" }.joined(), rows: file.lines.count))
                    rows[file.name] = file.lines.count
                    metadata += file.metadata.map(\.compact)
                }
            }
            let primary = bases[method]?.first ?? method.rawValue
            let train = data[Self.fileName(primary, .train)]
            let longest = train?.lines.map(\.utf8.count).max() ?? 0
            let h = Hyperparameters.choose(method: method, trainRows: train?.lines.count ?? 0, longestRowBytes: longest,
                                           desirable: trainLabels.desirable, undesirable: trainLabels.undesirable, lora: lora)
            hyperparameters[method] = h
            func dataFiles(_ base: String) -> TrainerConfigs.DataFiles {
                TrainerConfigs.DataFiles(train: Self.fileName(base, .train),
                                         eval: data[Self.fileName(base, .eval)] == nil ? nil : Self.fileName(base, .eval))
            }
            let trl = method == .sft ? dataFiles("sft_prompt_completion") : dataFiles(primary)
            files.append(ExportFile(name: "trl_\(method.rawValue).yaml",
                                    text: TrainerConfigs.trl(method, baseModel: baseModel, data: trl, hyperparameters: h, seed: seed)))
            let axolotl = method == .kto ? dataFiles("kto_axolotl") : dataFiles(primary)
            files.append(ExportFile(name: "axolotl_\(method.rawValue).yaml",
                                    text: TrainerConfigs.axolotl(method, baseModel: baseModel, data: axolotl, hyperparameters: h, seed: seed)))
            if method != .kto {
                let openAI = method == .sft ? dataFiles("sft") : dataFiles("openai_dpo")
                files.append(ExportFile(name: "openai_job_\(method.rawValue).json",
                                        text: TrainerConfigs.openAIJob(method, model: openAIModel, data: openAI, hyperparameters: h, seed: seed)))
                if (data[openAI.train]?.lines.count ?? 0) < 10 {
                    notes.append("\(openAI.train) has fewer than the 10 rows OpenAI fine-tuning requires")
                }
            }
        }
        files.append(ExportFile(name: "metadata.jsonl", text: metadata.map { $0 + "\n" }.joined(), rows: metadata.count))
        let primaries = methods.compactMap { bases[$0]?.first }
        let trainRows = primaries.reduce(0) { $0 + (data[Self.fileName($1, .train)]?.lines.count ?? 0) }
        let evalRows = primaries.reduce(0) { $0 + (data[Self.fileName($1, .eval)]?.lines.count ?? 0) }
        return RenderedExport(files: files, rows: rows, trainRows: trainRows, evalRows: evalRows,
                              hyperparameters: hyperparameters, methods: methods, notes: notes)
    }

    /// A `metadata.jsonl` line: the same keys on every line.
    func metadata(_ example: Example, file: String, line: Int, copy: Int) -> JSONValue {
        var label = JSONValue.null
        if case .kto(_, let value) = example.kind { label = .bool(value) }
        return .object([
            ("file", .string(file)),
            ("line", .int(line)),
            ("split", .string(example.split.rawValue)),
            ("source", .string(example.source.rawValue)),
            ("prompt_set", .string(example.prompt.setName)),
            ("prompt_id", .string(example.prompt.externalID)),
            ("from_prompt_id", .string(example.fromPrompt?.externalID)),
            ("candidates", .array(example.candidateIDs.map { .int(Int($0)) })),
            ("ratings", .array(example.ratingIDs.map { .int(Int($0)) })),
            ("raters", .array(example.raters.map { .string($0) })),
            ("label", label),
            ("copy", .int(copy)),
            ("copies", .int(max(1, example.copies))),
        ])
    }
}

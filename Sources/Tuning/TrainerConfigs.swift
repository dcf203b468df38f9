/// The training configs of an export: TRL (`trl sft|dpo|kto --config FILE`), Axolotl
/// (`axolotl train FILE`) and OpenAI fine-tuning job bodies.
///
/// Every path in them is relative to the export folder: run the trainers from inside it. Only keys that
/// TRL's, Axolotl's and OpenAI's own parsers accept are written (TRL refuses unknown config keys).
public enum TrainerConfigs {
    /// What a config needs to know about its data.
    public struct DataFiles: Sendable, Hashable {
        /// The training file, relative to the export folder.
        public var train: String
        /// The held-out file, when the held-out split has rows for this method.
        public var eval: String?
    }

    static let header = ["Written by gait tune. Paths are relative to the export folder: run the trainer from inside it."]

    static func lora(_ h: Hyperparameters) -> [YAMLEntry] {
        guard h.lora else { return [] }
        return [YAMLEntry("use_peft", .bool(true)), YAMLEntry("lora_r", .int(h.loraR)), YAMLEntry("lora_alpha", .int(h.loraAlpha)),
         YAMLEntry("lora_dropout", .double(h.loraDropout)), YAMLEntry("lora_target_modules", .string("all-linear"))]
    }

    /// `trl_<method>.yaml` for `trl <method> --config trl_<method>.yaml`.
    ///
    /// TRL's CLI reads local files only through its dataset mixture (`datasets:`), which concatenates
    /// everything into the training split, so the held-out file is not named here: evaluation is off, and
    /// the held-out files serve `trainer.evaluate` or the Axolotl and OpenAI configs.
    public static func trl(_ method: TuneMethod, baseModel: String, data: DataFiles, hyperparameters h: Hyperparameters,
                           seed: UInt64) -> String {
        var entries: [YAMLEntry] = [
            YAMLEntry("model_name_or_path", .string(baseModel)),
            YAMLEntry("datasets", .list([.map([YAMLEntry("path", .string("json")), YAMLEntry("data_files", .string(data.train)),
                                               YAMLEntry("split", .string("train"))])])),
            YAMLEntry("output_dir", .string("outputs/trl_\(method.rawValue)")),
            YAMLEntry("num_train_epochs", .int(h.epochs)),
            YAMLEntry("learning_rate", .double(h.learningRate)),
            YAMLEntry("lr_scheduler_type", .string("cosine")),
            YAMLEntry("warmup_steps", .int(h.warmupSteps)),
            YAMLEntry("per_device_train_batch_size", .int(h.microBatchSize)),
            YAMLEntry("gradient_accumulation_steps", .int(h.gradientAccumulationSteps)),
            YAMLEntry("max_length", .int(h.maxLength)),
            // TRL turns bf16 on by default and then refuses to start on a machine without bf16 support
            // ("Your setup doesn't support bf16/gpu"); fp32 runs everywhere.
            YAMLEntry("bf16", .bool(false)),
        ]
        if let beta = h.beta { entries.append(YAMLEntry("beta", .double(beta))) }
        if let desirable = h.desirableWeight, let undesirable = h.undesirableWeight {
            entries.append(YAMLEntry("desirable_weight", .double(desirable)))
            entries.append(YAMLEntry("undesirable_weight", .double(undesirable)))
        }
        entries += [
            YAMLEntry("logging_steps", .int(1)),
            YAMLEntry("eval_strategy", .string("no")),
            YAMLEntry("save_strategy", .string("no")),
            YAMLEntry("report_to", .string("none")),
            YAMLEntry("seed", .int(Int(clamping: seed))),
        ]
        entries += lora(h)
        return YAMLValue.map(entries).document(comment: header + [
            "Run: trl \(method.rawValue) --config trl_\(method.rawValue).yaml",
            "bf16 is off so the config also runs on a CPU; on a GPU with bf16 support, pass --bf16 true.",
        ])
    }

    /// `axolotl_<method>.yaml` for `axolotl train axolotl_<method>.yaml`.
    public static func axolotl(_ method: TuneMethod, baseModel: String, data: DataFiles, hyperparameters h: Hyperparameters,
                               seed: UInt64) -> String {
        func dataset(_ path: String) -> YAMLValue {
            var fields = [YAMLEntry("path", .string(path)), YAMLEntry("ds_type", .string("json")),
                          YAMLEntry("split", .string("train"))]
            switch method {
            case .sft:
                fields += [YAMLEntry("type", .string("chat_template")), YAMLEntry("field_messages", .string("messages")),
                           YAMLEntry("roles_to_train", .list([.string("assistant")]))]
            case .dpo:
                fields += [YAMLEntry("type", .string("chat_template.default")), YAMLEntry("field_messages", .string("prompt")),
                           YAMLEntry("field_chosen", .string("chosen")), YAMLEntry("field_rejected", .string("rejected"))]
            case .kto:
                fields += [YAMLEntry("type", .string("chatml.prompt_pairs"))]
            }
            return .map(fields)
        }
        var entries: [YAMLEntry] = [YAMLEntry("base_model", .string(baseModel))]
        switch method {
        case .sft: break
        case .dpo:
            entries += [YAMLEntry("rl", .string("dpo")), YAMLEntry("rl_beta", .double(h.beta ?? 0.1))]
        case .kto:
            entries += [YAMLEntry("rl", .string("kto")), YAMLEntry("rl_beta", .double(h.beta ?? 0.1))]
            if let desirable = h.desirableWeight, let undesirable = h.undesirableWeight {
                entries += [YAMLEntry("kto_desirable_weight", .double(desirable)),
                            YAMLEntry("kto_undesirable_weight", .double(undesirable))]
            }
            entries.append(YAMLEntry("remove_unused_columns", .bool(false)))
        }
        entries += [
            YAMLEntry("chat_template", .string("tokenizer_default")),
            YAMLEntry("datasets", .list([dataset(data.train)])),
        ]
        if let eval = data.eval { entries.append(YAMLEntry("test_datasets", .list([dataset(eval)]))) }
        entries += [
            YAMLEntry("val_set_size", .double(0)),
            YAMLEntry("dataset_prepared_path", .string("prepared/axolotl_\(method.rawValue)")),
            YAMLEntry("output_dir", .string("outputs/axolotl_\(method.rawValue)")),
            YAMLEntry("sequence_len", .int(h.maxLength)),
            // Packing mixes rows in one sequence; preference trainers need one row per sequence.
            YAMLEntry("sample_packing", .bool(false)),
            // Axolotl picks bf16 when the GPU supports it, fp32 otherwise.
            YAMLEntry("bf16", .string("auto")),
        ]
        if h.lora {
            entries += [
                YAMLEntry("adapter", .string("lora")),
                YAMLEntry("lora_r", .int(h.loraR)),
                YAMLEntry("lora_alpha", .int(h.loraAlpha)),
                YAMLEntry("lora_dropout", .double(h.loraDropout)),
                YAMLEntry("lora_target_linear", .bool(true)),
            ]
        }
        entries += [
            YAMLEntry("micro_batch_size", .int(h.microBatchSize)),
            YAMLEntry("gradient_accumulation_steps", .int(h.gradientAccumulationSteps)),
            YAMLEntry("num_epochs", .int(h.epochs)),
            YAMLEntry("learning_rate", .double(h.learningRate)),
            YAMLEntry("optimizer", .string("adamw_torch")),
            YAMLEntry("lr_scheduler", .string("cosine")),
            YAMLEntry("warmup_steps", .int(h.warmupSteps)),
            YAMLEntry("logging_steps", .int(1)),
            YAMLEntry("seed", .int(Int(clamping: seed))),
        ]
        if method == .sft { entries.append(YAMLEntry("train_on_inputs", .bool(false))) }
        return YAMLValue.map(entries).document(comment: header + ["Run: axolotl train axolotl_\(method.rawValue).yaml"])
    }

    /// `openai_job_sft.json` / `openai_job_dpo.json`: the body of `POST /v1/fine_tuning/jobs`.
    ///
    /// OpenAI takes uploaded file ids, not paths: upload each named file with purpose `fine-tune` and put
    /// its id in place of the file name (`training_file`, `validation_file`).
    public static func openAIJob(_ method: TuneMethod, model: String, data: DataFiles, hyperparameters h: Hyperparameters,
                                 seed: UInt64) -> String {
        precondition(method != .kto, "OpenAI fine-tuning has no KTO method")
        var hyper: [(String, JSONValue)] = []
        if method == .dpo, let beta = h.beta { hyper.append(("beta", .number(beta))) }
        hyper += [("n_epochs", .int(h.epochs)), ("batch_size", .int(h.batchSize)),
                  ("learning_rate_multiplier", .number(h.openAILearningRateMultiplier))]
        let type = method == .sft ? "supervised" : "dpo"
        var fields: [(String, JSONValue)] = [("model", .string(model)), ("training_file", .string(data.train))]
        if let eval = data.eval { fields.append(("validation_file", .string(eval))) }
        fields += [
            ("suffix", .string("gait-\(method.rawValue)")),
            ("seed", .int(Int(clamping: seed))),
            ("method", .object([("type", .string(type)), (type, .object([("hyperparameters", .object(hyper))]))])),
        ]
        return JSONValue.object(fields).pretty
    }
}

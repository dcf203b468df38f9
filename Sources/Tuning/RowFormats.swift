/// The row layouts of each trainer, built from one ``Example``.
///
/// Every row carries an explicit system message (SmolLM2's chat template inserts its own when a
/// conversation has none, which would train on a prompt the model never sees in use), uses only the roles
/// `system`, `user` and `assistant`, and has the same keys in the same order as every other row of its file.
public enum RowFormats {
    /// `[system, user]` messages.
    public static func promptMessages(system: String, user: String) -> JSONValue {
        .array([message("system", system), message("user", user)])
    }

    /// `[assistant]`: the form TRL's conversational completions and preferences take.
    public static func assistant(_ text: String) -> JSONValue { .array([message("assistant", text)]) }

    static func message(_ role: String, _ content: String) -> JSONValue {
        .object([("role", .string(role)), ("content", .string(content))])
    }

    /// `sft.jsonl`: `{"messages": [system, user, assistant]}` (TRL conversational language modeling,
    /// Axolotl `chat_template`, OpenAI supervised fine-tuning).
    public static func sft(system: String, user: String, answer: String) -> JSONValue {
        .object([("messages", .array([message("system", system), message("user", user), message("assistant", answer)]))])
    }

    /// `sft_prompt_completion.jsonl`: `{"prompt": [system, user], "completion": [assistant]}`; TRL computes the
    /// loss on the completion only in this form.
    public static func sftPromptCompletion(system: String, user: String, answer: String) -> JSONValue {
        .object([("prompt", promptMessages(system: system, user: user)), ("completion", assistant(answer))])
    }

    /// `dpo.jsonl`: `{"prompt": [system, user], "chosen": [assistant], "rejected": [assistant]}` (TRL's
    /// conversational preference type; Axolotl's `chat_template.default` with `field_messages: prompt`).
    public static func dpo(system: String, user: String, chosen: String, rejected: String) -> JSONValue {
        .object([("prompt", promptMessages(system: system, user: user)), ("chosen", assistant(chosen)),
                 ("rejected", assistant(rejected))])
    }

    /// `kto.jsonl`: `{"prompt": [system, user], "completion": [assistant], "label": true|false}` (TRL's
    /// conversational unpaired preference type).
    public static func kto(system: String, user: String, completion: String, label: Bool) -> JSONValue {
        .object([("prompt", promptMessages(system: system, user: user)), ("completion", assistant(completion)),
                 ("label", .bool(label))])
    }

    /// `kto_axolotl.jsonl`: flat strings `{"system", "prompt", "completion", "label"}` for Axolotl's
    /// `chatml.prompt_pairs` KTO strategy, which wraps them in ChatML markers itself.
    public static func ktoAxolotl(system: String, user: String, completion: String, label: Bool) -> JSONValue {
        .object([("system", .string(system)), ("prompt", .string(user)), ("completion", .string(completion)),
                 ("label", .bool(label))])
    }

    /// `openai_dpo.jsonl`: `{"input": {"messages": [system, user]}, "preferred_output": [assistant],
    /// "non_preferred_output": [assistant]}` (OpenAI's preference fine-tuning format).
    public static func openAIDPO(system: String, user: String, chosen: String, rejected: String) -> JSONValue {
        .object([("input", .object([("messages", promptMessages(system: system, user: user))])),
                 ("preferred_output", assistant(chosen)), ("non_preferred_output", assistant(rejected))])
    }
}

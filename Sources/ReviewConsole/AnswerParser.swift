import GaitCore
import GaitStore

/// Turns what a rater typed into an answer in stored form, or says what is allowed.
public enum AnswerParser {
    /// The one-letter lines that are console commands; an option is never answered by them.
    public static let commandLetters: Set<String> = ["?", "h", "s", "u", "c", "f", "x", "q"]

    /// The stored answer, or a message naming the allowed values.
    ///
    /// Binary takes `y`/`yes`/`n`/`no`; nominal takes an option or a unique prefix of one (case
    /// ignored); ordinal takes an integer in range or one of its labels; interval a number in range.
    public static func parse(_ input: String, scale: Scale) -> Result<String, AnswerProblem> {
        let text = input.lowercased()
        switch scale {
        case .binary:
            switch text {
            case "y", "yes": return .success("yes")
            case "n", "no": return .success("no")
            default: return .failure(AnswerProblem(input: input, allowed: allowed(scale)))
            }
        case .nominal(let options):
            if let exact = options.first(where: { $0.lowercased() == text }) { return .success(exact) }
            let matches = options.filter { $0.lowercased().hasPrefix(text) }
            if matches.count == 1, !text.isEmpty { return .success(matches[0]) }
            if matches.count > 1, !text.isEmpty {
                return .failure(AnswerProblem(input: input, allowed: allowed(scale),
                                              ambiguous: matches))
            }
            return .failure(AnswerProblem(input: input, allowed: allowed(scale)))
        case .ordinal(let min, let max, let labels):
            if let number = Int(text), (min...max).contains(number) { return .success(String(number)) }
            if let label = labels.first(where: { $0.value.lowercased() == text }) { return .success(String(label.key)) }
            return .failure(AnswerProblem(input: input, allowed: allowed(scale)))
        case .interval:
            if let number = Double(text), let stored = scale.storedAnswer(String(number)) { return .success(stored.value) }
            return .failure(AnswerProblem(input: input, allowed: allowed(scale)))
        }
    }

    /// The allowed answers, as shown under each question.
    public static func allowed(_ scale: Scale) -> String {
        switch scale {
        case .binary:
            return "y or n"
        case .nominal(let options):
            let shortcuts = shortestPrefixes(options)
            return options.map { option in
                let shortcut = shortcuts[option] ?? option
                return shortcut == option ? option : "\(option) (\(shortcut))"
            }.joined(separator: " · ")
        case .ordinal(let min, let max, let labels):
            let named = (min...max).compactMap { point in labels[point].map { "\(point) \($0)" } }
            return "\(min)–\(max)" + (named.isEmpty ? "" : ": " + named.joined(separator: ", "))
        case .interval:
            return scale.allowedText
        }
    }

    /// Each option's shortest unique prefix that is not a command letter.
    static func shortestPrefixes(_ options: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for option in options {
            let lower = option.lowercased()
            for length in 1...max(1, lower.count) {
                let prefix = String(lower.prefix(length))
                let unique = options.filter { $0.lowercased().hasPrefix(prefix) }.count == 1
                let exactOther = options.contains { $0 != option && $0.lowercased() == prefix }
                if unique && !exactOther && !commandLetters.contains(prefix) {
                    result[option] = String(option.prefix(length))
                    break
                }
            }
        }
        return result
    }
}

/// An answer that is not on the scale.
public struct AnswerProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var input: String
    public var allowed: String
    /// Options the input is a prefix of, when it matched more than one.
    public var ambiguous: [String] = []

    public var description: String {
        if !ambiguous.isEmpty {
            return "'\(input)' could be \(ambiguous.joined(separator: " or ")); type more letters. Allowed: \(allowed)"
        }
        return "'\(input)' is not an answer here. Allowed: \(allowed)"
    }
}

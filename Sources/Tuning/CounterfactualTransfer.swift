/// Carries an answer written for one prompt of a counterfactual group over to a counterpart prompt.
///
/// Counterfactual prompts differ only in a demographic detail ("…a nurse named Maria" / "…named John").
/// Equal treatment means the counterpart deserves an answer as good as the better-rated one, so bias
/// feedback adds that answer for the counterpart: counterfactual data augmentation (Lu et al. 2018,
/// "Gender Bias in Neural Natural Language Processing", arXiv:1807.11714; Zmigrod et al. 2019, ACL).
///
/// The transfer is conservative, because a wrong swap teaches the model a wrong answer:
/// - when both prompts have the same number of words, the differing words form a substitution
///   (`Maria` → `John`), applied to whole words of the answer with their capitalisation;
/// - otherwise the answer is carried over only if it contains none of the words that are in the source
///   prompt but not in the target;
/// - an answer with gendered words (pronouns, "woman", "man", …) is never carried over, since a name
///   swap cannot fix "she" into the right pronoun.
public enum CounterfactualTransfer {
    /// Why an answer could not be carried over.
    public enum Refusal: String, Sendable, Hashable, CaseIterable {
        case inconsistentSubstitution = "inconsistent_substitution"
        case sourceWordInAnswer = "source_word_in_answer"
        case genderedWords = "gendered_words"
    }

    /// Words whose gender a name swap cannot repair.
    static let gendered: Set<String> = [
        "he", "him", "his", "himself", "she", "her", "hers", "herself", "man", "men", "woman", "women", "boy", "girl",
        "boys", "girls", "male", "female", "mr", "mrs", "ms", "sir", "madam", "husband", "wife", "father", "mother",
        "son", "daughter", "brother", "sister", "gentleman", "lady",
    ]

    /// The answer rewritten for `target`, or why it cannot be.
    public static func transfer(_ answer: String, from source: String, to target: String) -> Result<String, RefusalError> {
        let answerWords = words(answer)
        if answerWords.contains(where: { gendered.contains($0.text.lowercased()) }) { return .failure(RefusalError(.genderedWords)) }
        let sourceWords = words(source).map { $0.text }
        let targetWords = words(target).map { $0.text }
        if sourceWords.count == targetWords.count {
            var substitution: [String: String] = [:]
            for (from, to) in zip(sourceWords, targetWords) where from.lowercased() != to.lowercased() {
                if let existing = substitution[from.lowercased()], existing != to { return .failure(RefusalError(.inconsistentSubstitution)) }
                substitution[from.lowercased()] = to
            }
            var result = ""
            var cursor = answer.startIndex
            for word in answerWords {
                guard let replacement = substitution[word.text.lowercased()] else { continue }
                result += answer[cursor..<word.range.lowerBound]
                result += matchCase(replacement, like: word.text)
                cursor = word.range.upperBound
            }
            result += answer[cursor...]
            return .success(result)
        }
        let targetSet = Set(targetWords.map { $0.lowercased() })
        let sourceOnly = Set(sourceWords.map { $0.lowercased() }).subtracting(targetSet)
        if answerWords.contains(where: { sourceOnly.contains($0.text.lowercased()) }) {
            return .failure(RefusalError(.sourceWordInAnswer))
        }
        return .success(answer)
    }

    /// A refusal as an error value.
    public struct RefusalError: Error, Sendable, Hashable {
        public var reason: Refusal
        init(_ reason: Refusal) { self.reason = reason }
    }

    /// Runs of letters, digits and apostrophes inside words, with their ranges.
    static func words(_ text: String) -> [(text: String, range: Range<String.Index>)] {
        var result: [(String, Range<String.Index>)] = []
        var start: String.Index?
        var index = text.startIndex
        func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber }
        while index < text.endIndex {
            let character = text[index]
            if isWordCharacter(character) {
                if start == nil { start = index }
            } else if let begin = start {
                result.append((String(text[begin..<index]), begin..<index))
                start = nil
            }
            index = text.index(after: index)
        }
        if let begin = start { result.append((String(text[begin...]), begin..<text.endIndex)) }
        return result
    }

    /// `replacement` capitalised like `original` (all caps, first capital, or as written).
    static func matchCase(_ replacement: String, like original: String) -> String {
        if original.count > 1, original == original.uppercased() { return replacement.uppercased() }
        if let first = original.first, first.isUppercase, let head = replacement.first {
            return head.uppercased() + replacement.dropFirst()
        }
        if let first = original.first, first.isLowercase, let head = replacement.first {
            return head.lowercased() + replacement.dropFirst()
        }
        return replacement
    }
}

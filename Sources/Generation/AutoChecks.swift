/// The cheap automatic checks that send a candidate to review in every stage.
public enum AutoChecks {
    /// The names of the checks a candidate fails, sorted: `empty` (no visible text), `truncated`
    /// (cut at the token limit), `repetition` (a word 4-gram occurring 3 or more times, or a single
    /// token repeated 8 times in a row — the loops small models fall into).
    public static func flags(text: String, finishReason: String) -> [String] {
        var flags: [String] = []
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).map { $0.lowercased() }
        if words.isEmpty { flags.append("empty") }
        if hasRepetition(words) { flags.append("repetition") }
        if finishReason == "length" { flags.append("truncated") }
        return flags.sorted()
    }

    static func hasRepetition(_ words: [String]) -> Bool {
        var run = 1
        for index in words.indices.dropFirst() {
            run = words[index] == words[index - 1] ? run + 1 : 1
            if run >= 8 { return true }
        }
        guard words.count >= 4 else { return false }
        var counts: [String: Int] = [:]
        for start in 0...(words.count - 4) {
            let gram = words[start..<(start + 4)].joined(separator: " ")
            counts[gram, default: 0] += 1
            if counts[gram]! >= 3 { return true }
        }
        return false
    }
}

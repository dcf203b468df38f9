import Foundation
import GaitStore
import Kernels

/// A rater's corrected answer with the rating and candidate it belongs to.
public struct CorrectionRecord: Sendable, Hashable {
    public var ratingID: Int64
    /// The candidate the rater corrected (candidate A of a pairwise item).
    public var candidateID: Int64
    /// Whether it was written on a single item (only then is the corrected candidate a rejected answer).
    public var onSingleItem: Bool
    public var rater: String
    public var text: String
}

/// What counterfactual augmentation did, for the manifest.
public struct CounterfactualSummary: Sendable, Hashable {
    /// Groups with two or more prompts in the data.
    public var groups = 0
    /// Answers carried over to a counterpart prompt.
    public var transferred: [(group: String, from: String, to: String)] = []
    /// Answers that could not be carried over, with the reason.
    public var refused: [(group: String, from: String, to: String, reason: CounterfactualTransfer.Refusal)] = []

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.groups == rhs.groups && lhs.transferred.map { "\($0)" } == rhs.transferred.map { "\($0)" }
            && lhs.refused.map { "\($0)" } == rhs.refused.map { "\($0)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(groups)
        hasher.combine(transferred.count)
        hasher.combine(refused.count)
    }
}

/// The examples of an export before upsampling, with what was skipped and why.
public struct BuiltDataset: Sendable, Hashable {
    public var examples: [Example]
    /// Reasons rows were left out, with counts (`empty_text`, `identical_pair`, `conflicting_labels`).
    public var skipped: [String: Int]
    public var counterfactual: CounterfactualSummary
}

/// Turns scores, pairwise verdicts and corrections into SFT, preference and KTO examples.
public struct DatasetBuilder: Sendable {
    public var scores: [Int64: CandidateScore]
    public var criterion: ScoringCriterion?
    public var pairwise: [PairwiseVerdict]
    public var candidates: [Int64: TuningCandidate]
    public var prompts: [Int64: TuningPrompt]
    public var corrections: [CorrectionRecord]
    public var evalShare: Double
    public var seed: UInt64

    public init(scores: [Int64: CandidateScore], criterion: ScoringCriterion?, pairwise: [PairwiseVerdict],
                candidates: [Int64: TuningCandidate], prompts: [Int64: TuningPrompt], corrections: [CorrectionRecord],
                evalShare: Double, seed: UInt64) {
        self.scores = scores
        self.criterion = criterion
        self.pairwise = pairwise
        self.candidates = candidates
        self.prompts = prompts
        self.corrections = corrections
        self.evalShare = evalShare
        self.seed = seed
    }

    /// The split unit of a prompt: its counterfactual group (counterparts stay on one side, so none
    /// leaks into the other split), or the prompt itself.
    public static func splitUnit(of prompt: TuningPrompt) -> String {
        if let group = prompt.counterfactualGroup { return "group:\(prompt.setName)/\(group)" }
        return "prompt:\(prompt.setName)/\(prompt.externalID)"
    }

    /// Whether a split unit is held out: SHA-256 of "seed:unit" read as a number in [0, 1) is below the share.
    ///
    /// A hash, not a shuffle, so a prompt stays on its side as more prompts are rated: a later export
    /// with the same seed never moves an evaluation prompt into training.
    public static func isHeldOut(unit: String, seed: UInt64, share: Double) -> Bool {
        guard share > 0 else { return false }
        let digest = SHA256.hash("\(seed):\(unit)")
        let prefix = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(prefix >> 11) * 0x1.0p-53 < share
    }

    func split(of prompt: TuningPrompt) -> Split {
        Self.isHeldOut(unit: Self.splitUnit(of: prompt), seed: seed, share: evalShare) ? .eval : .train
    }

    /// Builds every example.
    public func build() -> BuiltDataset {
        var examples: [Example] = []
        var candidatesByPrompt: [Int64: [TuningCandidate]] = [:]
        for candidate in candidates.values { candidatesByPrompt[candidate.promptRowID, default: []].append(candidate) }
        var correctionsByPrompt: [Int64: [CorrectionRecord]] = [:]
        for correction in corrections.sorted(by: { $0.ratingID < $1.ratingID }) {
            guard let candidate = candidates[correction.candidateID] else { continue }
            correctionsByPrompt[candidate.promptRowID, default: []].append(correction)
        }
        var verdictsByPrompt: [Int64: [PairwiseVerdict]] = [:]
        for verdict in pairwise {
            guard let candidate = candidates[verdict.winner] else { continue }
            verdictsByPrompt[candidate.promptRowID, default: []].append(verdict)
        }
        let orderedPrompts = candidatesByPrompt.keys.compactMap { prompts[$0] }.sorted(by: Self.promptOrder)
        for prompt in orderedPrompts {
            let split = split(of: prompt)
            let own = (candidatesByPrompt[prompt.rowID] ?? []).sorted { $0.id < $1.id }
            let promptCorrections = correctionsByPrompt[prompt.rowID] ?? []
            func example(_ kind: Example.Kind, _ source: RowSource, candidates ids: [Int64], ratings: [Int64], raters: [String]) -> Example {
                Example(kind: kind, prompt: prompt, source: source, candidateIDs: ids, ratingIDs: ratings,
                        raters: Self.unique(raters), fromPrompt: nil, split: split)
            }
            // SFT: a correction wins; otherwise the best passing candidate.
            if let correction = promptCorrections.last {
                examples.append(example(.sft(answer: correction.text), .correction, candidates: [correction.candidateID],
                                        ratings: [correction.ratingID], raters: [correction.rater]))
            } else if let best = bestPassing(own) {
                examples.append(example(.sft(answer: best.candidate.text), .bestOfN, candidates: [best.candidate.id],
                                        ratings: best.score.ratingIDs, raters: best.score.raters))
            }
            // Preferences: the best clear, unflagged candidate over every clear one at least a margin below it.
            let clear: [(TuningCandidate, CandidateScore)] = scored(own).filter { $0.1.isClear }.sorted(by: Self.bestFirst)
            if let criterion, let top = clear.first(where: { !$0.1.flaggedByMajority }) {
                for other in clear where other.0.id != top.0.id && top.1.mean - other.1.mean >= criterion.margin {
                    examples.append(example(.preference(chosen: top.0.text, rejected: other.0.text), .margin,
                                            candidates: [top.0.id, other.0.id], ratings: top.1.ratingIDs + other.1.ratingIDs,
                                            raters: top.1.raters + other.1.raters))
                }
            }
            for correction in promptCorrections where correction.onSingleItem {
                guard let corrected = candidates[correction.candidateID] else { continue }
                examples.append(example(.preference(chosen: correction.text, rejected: corrected.text), .correction,
                                        candidates: [corrected.id], ratings: [correction.ratingID], raters: [correction.rater]))
            }
            for verdict in (verdictsByPrompt[prompt.rowID] ?? []).sorted(by: { $0.itemID < $1.itemID }) {
                guard let winner = candidates[verdict.winner], let loser = candidates[verdict.loser] else { continue }
                examples.append(example(.preference(chosen: winner.text, rejected: loser.text), .pairwise,
                                        candidates: [winner.id, loser.id], ratings: verdict.ratingIDs, raters: verdict.raters))
            }
            // KTO: every clear verdict, and every correction as desirable.
            for (candidate, score) in clear.sorted(by: { $0.0.id < $1.0.id }) {
                examples.append(example(.kto(completion: candidate.text, label: score.verdict && !score.flaggedByMajority), .rated,
                                        candidates: [candidate.id], ratings: score.ratingIDs, raters: score.raters))
            }
            for correction in promptCorrections {
                examples.append(example(.kto(completion: correction.text, label: true), .correction,
                                        candidates: [correction.candidateID], ratings: [correction.ratingID], raters: [correction.rater]))
            }
        }
        var counterfactual = CounterfactualSummary()
        examples += counterfactualExamples(candidatesByPrompt: candidatesByPrompt, correctionsByPrompt: correctionsByPrompt,
                                           summary: &counterfactual)
        var skipped: [String: Int] = [:]
        return BuiltDataset(examples: Self.checked(examples, skipped: &skipped), skipped: skipped, counterfactual: counterfactual)
    }

    /// The better-rated answer of each counterfactual group, carried over to counterparts rated lower
    /// (or not at all), in the training split only.
    func counterfactualExamples(candidatesByPrompt: [Int64: [TuningCandidate]],
                                correctionsByPrompt: [Int64: [CorrectionRecord]],
                                summary: inout CounterfactualSummary) -> [Example] {
        var groups: [String: [TuningPrompt]] = [:]
        for prompt in prompts.values where prompt.counterfactualGroup != nil {
            groups[Self.splitUnit(of: prompt), default: []].append(prompt)
        }
        var examples: [Example] = []
        for (unit, members) in groups.sorted(by: { $0.key < $1.key }) where members.count >= 2 {
            summary.groups += 1
            let members = members.sorted(by: Self.promptOrder)
            guard let first = members.first, split(of: first) == .train else { continue }
            let best = members.compactMap { prompt in
                bestPassing((candidatesByPrompt[prompt.rowID] ?? []).sorted { $0.id < $1.id }).map { (prompt, $0) }
            }
            guard let top = best.max(by: { lhs, rhs in
                lhs.1.score.mean != rhs.1.score.mean ? lhs.1.score.mean < rhs.1.score.mean : lhs.1.candidate.id > rhs.1.candidate.id
            }) else { continue }
            let group = first.counterfactualGroup ?? unit
            for counterpart in members where counterpart.rowID != top.0.rowID {
                if correctionsByPrompt[counterpart.rowID]?.isEmpty == false { continue }
                if let own = best.first(where: { $0.0.rowID == counterpart.rowID }), own.1.score.mean >= top.1.score.mean { continue }
                switch CounterfactualTransfer.transfer(top.1.candidate.text, from: top.0.text, to: counterpart.text) {
                case .failure(let refusal):
                    summary.refused.append((group, top.0.externalID, counterpart.externalID, refusal.reason))
                case .success(let text):
                    summary.transferred.append((group, top.0.externalID, counterpart.externalID))
                    let score = top.1.score
                    func example(_ kind: Example.Kind, candidates: [Int64], ratings: [Int64], raters: [String]) -> Example {
                        Example(kind: kind, prompt: counterpart, source: .counterfactual, candidateIDs: candidates,
                                ratingIDs: ratings, raters: Self.unique(raters), fromPrompt: top.0, split: .train)
                    }
                    examples.append(example(.sft(answer: text), candidates: [top.1.candidate.id], ratings: score.ratingIDs,
                                            raters: score.raters))
                    if let criterion {
                        let worse = scored(candidatesByPrompt[counterpart.rowID] ?? [])
                            .filter { $0.1.isClear && score.mean - $0.1.mean >= criterion.margin }
                            .sorted(by: Self.bestFirst).last
                        if let worse {
                            examples.append(example(.preference(chosen: text, rejected: worse.0.text),
                                                    candidates: [top.1.candidate.id, worse.0.id],
                                                    ratings: score.ratingIDs + worse.1.ratingIDs, raters: score.raters + worse.1.raters))
                        }
                    }
                    examples.append(example(.kto(completion: text, label: true), candidates: [top.1.candidate.id],
                                            ratings: score.ratingIDs, raters: score.raters))
                }
            }
        }
        return examples
    }

    /// The candidates that have a score, with it.
    func scored(_ own: [TuningCandidate]) -> [(TuningCandidate, CandidateScore)] {
        var result: [(TuningCandidate, CandidateScore)] = []
        for candidate in own {
            if let score = scores[candidate.id] { result.append((candidate, score)) }
        }
        return result
    }

    /// Highest mean first, then most ratings, then the lowest id.
    static func bestFirst(_ lhs: (TuningCandidate, CandidateScore), _ rhs: (TuningCandidate, CandidateScore)) -> Bool {
        if lhs.1.mean != rhs.1.mean { return lhs.1.mean > rhs.1.mean }
        if lhs.1.values.count != rhs.1.values.count { return lhs.1.values.count > rhs.1.values.count }
        return lhs.0.id < rhs.0.id
    }

    /// The best passing candidate.
    func bestPassing(_ own: [TuningCandidate]) -> (candidate: TuningCandidate, score: CandidateScore)? {
        scored(own).filter { $0.1.passes }.sorted(by: Self.bestFirst).first.map { (candidate: $0.0, score: $0.1) }
    }

    /// Drops rows the trainers would reject or learn nothing from, counting why: an empty text, a pair
    /// whose chosen and rejected answers are the same, a repeated row, or one answer labelled both ways.
    static func checked(_ examples: [Example], skipped: inout [String: Int]) -> [Example] {
        func isBlank(_ text: String) -> Bool { text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        var seen: Set<String> = []
        var labels: [String: Set<Bool>] = [:]
        for example in examples {
            if case .kto(let completion, let label) = example.kind {
                labels["\(example.prompt.rowID)\u{1F}\(completion)", default: []].insert(label)
            }
        }
        var kept: [Example] = []
        for example in examples {
            if example.texts.contains(where: isBlank) || isBlank(example.prompt.text) {
                skipped["empty_text", default: 0] += 1
                continue
            }
            let key: String
            switch example.kind {
            case .sft(let answer):
                key = "sft\u{1F}\(example.prompt.rowID)\u{1F}\(answer)"
            case .preference(let chosen, let rejected):
                if chosen.trimmingCharacters(in: .whitespacesAndNewlines) == rejected.trimmingCharacters(in: .whitespacesAndNewlines) {
                    skipped["identical_pair", default: 0] += 1
                    continue
                }
                key = "dpo\u{1F}\(example.prompt.rowID)\u{1F}\(chosen)\u{1F}\(rejected)"
            case .kto(let completion, let label):
                if labels["\(example.prompt.rowID)\u{1F}\(completion)", default: []].count > 1 {
                    skipped["conflicting_labels", default: 0] += 1
                    continue
                }
                key = "kto\u{1F}\(example.prompt.rowID)\u{1F}\(completion)\u{1F}\(label)"
            }
            guard seen.insert(key).inserted else {
                skipped["duplicate", default: 0] += 1
                continue
            }
            kept.append(example)
        }
        return kept
    }

    static func promptOrder(_ lhs: TuningPrompt, _ rhs: TuningPrompt) -> Bool {
        (lhs.setName, lhs.externalID, lhs.rowID) < (rhs.setName, rhs.externalID, rhs.rowID)
    }

    static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}

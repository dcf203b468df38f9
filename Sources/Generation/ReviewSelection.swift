import GaitCore
import GaitStore

/// Decides which candidates of one prompt go to human review, by the stage policy.
///
/// Sampling is a pure function of the run's review seed, the prompt and the candidate index
/// (SplitMix64 over those values), so a run's selection can be recomputed and audited, and a
/// resumed run selects exactly what an uninterrupted one would have.
public enum ReviewSelection {
    /// Items for the candidates of one prompt.
    ///
    /// - Parameters:
    ///   - flags: per candidate, the automatic checks it failed.
    ///   - pairwise: queue pairs (0,1), (2,3)… of the prompt's candidates, shown in a seeded order.
    public static func items(policy: StagePolicy, reviewSeed: Int64, promptRowID: Int64, flags: [[String]],
                             pairwise: Bool) -> [ItemDraft] {
        if pairwise {
            var items: [ItemDraft] = []
            var index = 0
            while index + 1 < flags.count {
                let draw = uniform(reviewSeed, promptRowID, Int64(index), salt: 1)
                let flagged = policy.reviewFlagged && !(flags[index].isEmpty && flags[index + 1].isEmpty)
                if let reason = reason(share: policy.reviewShare, draw: draw, flagged: flagged) {
                    let swap = uniform(reviewSeed, promptRowID, Int64(index), salt: 2) < 0.5
                    items.append(ItemDraft(candidateA: swap ? index + 1 : index, candidateB: swap ? index : index + 1,
                                           reason: reason))
                }
                index += 2
            }
            return items
        }
        return flags.indices.compactMap { index in
            let draw = uniform(reviewSeed, promptRowID, Int64(index), salt: 0)
            let flagged = policy.reviewFlagged && !flags[index].isEmpty
            return reason(share: policy.reviewShare, draw: draw, flagged: flagged).map {
                ItemDraft(candidateA: index, reason: $0)
            }
        }
    }

    static func reason(share: Double, draw: Double, flagged: Bool) -> ItemReason? {
        if share >= 1 { return .all }
        if draw < share { return .sampled }
        if flagged { return .flagged }
        return nil
    }

    /// A uniform number in [0, 1) determined by its inputs.
    static func uniform(_ seed: Int64, _ prompt: Int64, _ index: Int64, salt: UInt64) -> Double {
        var state = UInt64(bitPattern: seed) ^ 0x5EED_0F_2EE1_E7
        state = splitMix(state &+ UInt64(bitPattern: prompt))
        state = splitMix(state &+ UInt64(bitPattern: index))
        state = splitMix(state &+ salt)
        return Double(state >> 11) / Double(UInt64(1) << 53)
    }

    /// SplitMix64's finalizer (Steele, Lea and Flood, 2014).
    static func splitMix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The sampling seed of one prompt's request, so a resumed run generates what an
    /// uninterrupted one would have.
    public static func promptSeed(runSeed: Int64, promptRowID: Int64) -> UInt64 {
        splitMix(UInt64(bitPattern: runSeed) &+ splitMix(UInt64(bitPattern: promptRowID)))
    }
}

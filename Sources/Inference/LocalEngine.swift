import Foundation
import Kernels

/// The embedded engine: a loaded model and a thread pool; generation, teacher-forced logits and perplexity.
///
/// Synchronous and deterministic for a seed; checks for cancellation once per generated token.
/// Calls may come from several tasks; each builds its own KV cache and scratch buffers.
public final class LocalEngine: Sendable {
    public let model: LlamaModel
    public let pool: ThreadPool
    /// 8-bit activations like llama.cpp (the default), or f32 activations as a slower reference.
    public let precision: ActivationPrecision

    /// An engine over `model` computing on `threads` threads (default: every core).
    public init(model: LlamaModel, threads: Int? = nil, precision: ActivationPrecision = .eightBit) {
        self.model = model
        self.precision = precision
        pool = ThreadPool(threads: threads ?? ThreadPool.processorCount)
    }

    /// One finished candidate.
    public struct Candidate: Sendable, Hashable {
        /// Generated ids, without the end-of-generation token.
        public var tokenIDs: [Int32]
        public var text: String
        public var finishReason: FinishReason
        /// Seconds from the start of the request until this candidate ended.
        public var latency: Double
    }

    /// Candidates with their timings.
    public struct Generation: Sendable, Hashable {
        public var candidates: [Candidate]
        public var promptTokens: Int
        /// Seconds spent on the prompt (including the copies of its KV prefix).
        public var promptSeconds: Double
        /// Seconds spent decoding all candidates together.
        public var decodeSeconds: Double
        /// Tokens decoded over all candidates (end tokens included, as they were computed).
        public var decodedTokens: Int
        /// CPU seconds of the whole process (all threads) during the prompt and during decoding: rates per CPU
        /// second are far less sensitive to busy neighbours than wall-clock rates.
        public var promptCPUSeconds: Double
        public var decodeCPUSeconds: Double
    }

    /// Generates `n` candidates continuing `promptTokens`. The prompt runs once; its KV prefix is copied to
    /// every candidate's slot, and the candidates decode as one batch.
    /// - Parameters:
    ///   - onToken: called with (candidate, text piece) as text completes.
    ///   - stopAtEnd: stop a candidate at an end-of-generation token (false: always run to `maxTokens`).
    /// - Throws: `InferenceError.invalidRequest` for an empty prompt or one longer than the context;
    ///   `CancellationError` when the task is cancelled.
    public func generate(promptTokens: [Int32], n: Int, sampling: SamplingParameters, stopAtEnd: Bool = true,
                         onToken: ((Int, String) -> Void)? = nil) throws -> Generation {
        let start = ContinuousClock.now
        let cpuStart = ProcessMemory.cpuSeconds()
        let c = model.config
        guard !promptTokens.isEmpty else { throw InferenceError.invalidRequest("the prompt has no tokens") }
        guard n >= 1 && n <= 64 else { throw InferenceError.invalidRequest("n is \(n), expected 1 to 64") }
        guard sampling.maxTokens >= 0 else {
            throw InferenceError.invalidRequest("max tokens is \(sampling.maxTokens), expected 0 or more")
        }
        guard promptTokens.count < c.contextLength else {
            throw InferenceError.invalidRequest(
                "the prompt has \(promptTokens.count) tokens; the model's context holds \(c.contextLength)")
        }
        if let bad = promptTokens.first(where: { $0 < 0 || Int($0) >= c.vocabularySize }) {
            throw InferenceError.invalidRequest("token id \(bad) is outside the vocabulary of \(c.vocabularySize)")
        }
        let maxTokens = min(sampling.maxTokens, c.contextLength - promptTokens.count)
        let capacity = promptTokens.count + maxTokens
        let chunk = min(promptTokens.count, 128)
        let transformer = Transformer(model: model, slots: n, capacity: max(capacity, 1), maxBatch: max(chunk, n),
                                      logitRows: n, pool: pool, precision: precision)
        try runPrompt(promptTokens, transformer: transformer, chunk: chunk)
        for slot in 1..<max(n, 1) { transformer.cache.copyPrefix(from: 0, to: slot, count: promptTokens.count) }
        let promptSeconds = seconds(since: start)
        let cpuMiddle = ProcessMemory.cpuSeconds()

        let decodeStart = ContinuousClock.now
        var samplers = (0..<n).map { Sampler(parameters: sampling, candidate: $0) }
        var histories = [[Int32]](repeating: promptTokens, count: n)
        var generated = [[Int32]](repeating: [], count: n)
        var streams = [TextStream](repeating: TextStream(), count: n)
        var texts = [String](repeating: "", count: n)
        var finished = [FinishReason?](repeating: nil, count: n)
        var latencies = [Double](repeating: 0, count: n)
        var decoded = 0
        // Row r of the logits belongs to candidate active[r].
        var active = Array(0..<n)
        var rowOf = [Int](repeating: 0, count: n)  // candidate → logits row (0 for all, after the prompt)
        var step = 0
        // One logits copy per candidate, so that candidates sample on all threads at once.
        let vocabulary = c.vocabularySize
        var scratch = [Float](repeating: 0, count: n * vocabulary)
        var sampled = [Int32](repeating: 0, count: n)
        var tokens: [Int32] = [], slots: [Int] = [], positions: [Int] = []
        // Candidates still going after this step; swapped with `active` so neither list reallocates.
        var next: [Int] = []
        next.reserveCapacity(n)
        tokens.reserveCapacity(n)
        slots.reserveCapacity(n)
        positions.reserveCapacity(n)
        for candidate in 0..<n {
            histories[candidate].reserveCapacity(promptTokens.count + maxTokens)
            generated[candidate].reserveCapacity(maxTokens)
            // Room for sixteen bytes a token (the default model's pieces average about four), so the text
            // rarely grows while decoding.
            texts[candidate].reserveCapacity(16 * maxTokens)
        }
        while !active.isEmpty {
            try Task.checkCancellation()
            next.removeAll(keepingCapacity: true)
            if step < maxTokens {
                // Each candidate's sampler and stream of random numbers is its own, so the tokens do not depend
                // on which thread draws them. A copy: at the first step every candidate samples from row 0.
                active.withUnsafeBufferPointer { active in
                    samplers.withUnsafeMutableBufferPointer { samplers in
                        scratch.withUnsafeMutableBufferPointer { scratch in
                            sampled.withUnsafeMutableBufferPointer { sampled in
                                rowOf.withUnsafeBufferPointer { rowOf in
                                    histories.withUnsafeBufferPointer { histories in
                                        pool.parallelFor(active.count, SamplingStep(
                                            logits: transformer.logits, vocabulary: vocabulary, active: active,
                                            samplers: samplers, scratch: scratch, sampled: sampled, rowOf: rowOf,
                                            histories: histories))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for candidate in active {
                if step >= maxTokens {
                    finished[candidate] = .length
                    latencies[candidate] = seconds(since: start)
                    continue
                }
                let token = sampled[candidate]
                decoded += 1
                if stopAtEnd && model.tokenizer.endOfGenerationIDs.contains(token) {
                    finished[candidate] = .stop
                    latencies[candidate] = seconds(since: start)
                    continue
                }
                histories[candidate].append(token)
                generated[candidate].append(token)
                if !model.tokenizer.isControl(token) {
                    let piece = streams[candidate].append(model.tokenizer.bytes(of: token))
                    if !piece.isEmpty {
                        texts[candidate] += piece
                        onToken?(candidate, piece)
                    }
                }
                next.append(candidate)
            }
            swap(&active, &next)
            guard !active.isEmpty else { break }
            tokens.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
            for (row, candidate) in active.enumerated() {
                tokens.append(generated[candidate][generated[candidate].count - 1])
                slots.append(candidate)
                positions.append(promptTokens.count + generated[candidate].count - 1)
                rowOf[candidate] = row
            }
            if step + 1 < maxTokens {
                transformer.forward(tokens: tokens, slots: slots, positions: positions, logitRows: .all)
            }
            step += 1
        }
        for candidate in 0..<n {
            let rest = streams[candidate].finish()
            if !rest.isEmpty {
                texts[candidate] += rest
                onToken?(candidate, rest)
            }
        }
        let candidates = (0..<n).map {
            Candidate(tokenIDs: generated[$0], text: texts[$0], finishReason: finished[$0] ?? .length,
                      latency: latencies[$0])
        }
        return Generation(candidates: candidates, promptTokens: promptTokens.count, promptSeconds: promptSeconds,
                          decodeSeconds: seconds(since: decodeStart), decodedTokens: decoded,
                          promptCPUSeconds: cpuMiddle - cpuStart, decodeCPUSeconds: ProcessMemory.cpuSeconds() - cpuMiddle)
    }

    private func runPrompt(_ promptTokens: [Int32], transformer: Transformer, chunk: Int) throws {
        var offset = 0
        while offset < promptTokens.count {
            try Task.checkCancellation()
            let end = min(offset + chunk, promptTokens.count)
            transformer.forward(tokens: Array(promptTokens[offset..<end]),
                                slots: [Int](repeating: 0, count: end - offset),
                                positions: Array(offset..<end), logitRows: .last)
            offset = end
        }
    }

    /// The logits after each of `tokens` (teacher-forced, from an empty cache): row `i` predicts token `i + 1`.
    /// - Throws: `InferenceError.invalidRequest` for an empty sequence, one past the context, or a bad id.
    public func logits(for tokens: [Int32]) throws -> [[Float]] {
        let c = model.config
        guard !tokens.isEmpty, tokens.count <= c.contextLength else {
            throw InferenceError.invalidRequest("\(tokens.count) tokens; expected 1 to \(c.contextLength)")
        }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= c.vocabularySize }) {
            throw InferenceError.invalidRequest("token id \(bad) is outside the vocabulary of \(c.vocabularySize)")
        }
        let chunk = min(tokens.count, 128)
        let transformer = Transformer(model: model, slots: 1, capacity: tokens.count, maxBatch: chunk,
                                      logitRows: chunk, pool: pool, precision: precision)
        var rows: [[Float]] = []
        var offset = 0
        while offset < tokens.count {
            let end = min(offset + chunk, tokens.count)
            transformer.forward(tokens: Array(tokens[offset..<end]), slots: [Int](repeating: 0, count: end - offset),
                                positions: Array(offset..<end), logitRows: .all)
            for r in 0..<(end - offset) { rows.append(transformer.logits.rowArray(r)) }
            offset = end
        }
        return rows
    }

    /// The outcome of a perplexity run.
    public struct Perplexity: Sendable, Hashable {
        public var perplexity: Double
        public var windows: Int
        public var predictions: Int
        public var tokens: Int
        public var seconds: Double
    }

    /// Perplexity in llama.cpp's `llama-perplexity` convention: `tokens` cut into consecutive windows of
    /// `context` (a partial last window dropped), each evaluated from an empty cache, scoring only the second
    /// half (positions `context/2 …` predicting the next token). PPL = exp(mean negative log-likelihood).
    /// - Throws: `InferenceError.invalidRequest` when there is not one whole window, or the window is too small.
    public func perplexity(tokens: [Int32], context: Int) throws -> Perplexity {
        let start = ContinuousClock.now
        guard context >= 4, context <= model.config.contextLength else {
            throw InferenceError.invalidRequest("context \(context) is outside 4…\(model.config.contextLength)")
        }
        let windows = tokens.count / context
        guard windows > 0 else {
            throw InferenceError.invalidRequest("the text has \(tokens.count) tokens, fewer than one window of \(context)")
        }
        var negativeLogLikelihood = 0.0
        var predictions = 0
        for w in 0..<windows {
            try Task.checkCancellation()
            let window = Array(tokens[(w * context)..<((w + 1) * context)])
            let rows = try logits(for: window)
            for position in (context / 2)..<(context - 1) {
                negativeLogLikelihood -= Self.logSoftmax(rows[position], at: Int(window[position + 1]))
                predictions += 1
            }
        }
        return Perplexity(perplexity: exp(negativeLogLikelihood / Double(predictions)), windows: windows,
                          predictions: predictions, tokens: tokens.count, seconds: seconds(since: start))
    }

    /// log softmax(logits)[index], in double precision.
    static func logSoftmax(_ logits: [Float], at index: Int) -> Double {
        let maximum = Double(logits.max() ?? 0)
        var sum = 0.0
        for value in logits { sum += exp(Double(value) - maximum) }
        return Double(logits[index]) - maximum - log(sum)
    }
}

/// One decode step's sampling, candidates split over the threads: each candidate copies its logits row into
/// its own stretch of `scratch` and draws with its own sampler. A `ParallelBody`, so the step allocates nothing.
private struct SamplingStep: ParallelBody {
    let logits: FloatMatrix
    let vocabulary: Int
    /// Row r of the logits belongs to candidate active[r] (see `rowOf`).
    let active: UnsafeBufferPointer<Int>
    let samplers: UnsafeMutableBufferPointer<Sampler>
    let scratch: UnsafeMutableBufferPointer<Float>
    let sampled: UnsafeMutableBufferPointer<Int32>
    let rowOf: UnsafeBufferPointer<Int>
    let histories: UnsafeBufferPointer<[Int32]>

    func run(_ range: Range<Int>, thread: Int) {
        for index in range {
            let candidate = active[index]
            let buffer = UnsafeMutableBufferPointer(
                rebasing: scratch[(candidate * vocabulary)..<((candidate + 1) * vocabulary)])
            buffer.baseAddress!.update(from: logits.row(rowOf[candidate]), count: vocabulary)
            sampled[candidate] = samplers[candidate].sample(buffer, history: histories[candidate])
        }
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

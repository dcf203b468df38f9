import Kernels

/// The llama forward pass over a batch of (token, slot, position) entries, with its KV cache and scratch
/// buffers allocated once. Prompt tokens go through as one batch; the `n` candidates of a request decode
/// together, one entry per slot, so every weight row is read once per step for all of them.
///
/// Not thread-safe: one forward pass at a time (the work inside is spread over `pool`).
final class Transformer {
    let model: LlamaModel
    let pool: ThreadPool
    let cache: KVCache
    let rotary: RotaryTable
    /// The most entries one `forward` call takes.
    let maxBatch: Int

    private let x: FloatMatrix
    private let normed: FloatMatrix
    private let q: FloatMatrix
    private let k: FloatMatrix
    private let v: FloatMatrix
    private let attention: FloatMatrix
    private let projected: FloatMatrix
    private let gate: FloatMatrix
    private let up: FloatMatrix
    private let down: FloatMatrix
    private let quantizedWide: QuantizedActivations
    private let quantizedHidden: QuantizedActivations
    private let attentionScratch: AttentionScratch
    let logits: FloatMatrix
    private var slotList: [Int] = []
    private var positionList: [Int] = []

    let precision: ActivationPrecision

    init(model: LlamaModel, slots: Int, capacity: Int, maxBatch: Int, logitRows: Int, pool: ThreadPool,
         precision: ActivationPrecision) {
        let c = model.config
        self.precision = precision
        self.model = model
        self.pool = pool
        self.maxBatch = maxBatch
        cache = KVCache(layers: c.layers, slots: slots, capacity: capacity, width: c.kvWidth,
                        element: precision == .eightBit ? .f16 : .f32)
        rotary = RotaryTable(positions: capacity, dimensions: c.rotaryDimensions, base: c.ropeBase)
        x = FloatMatrix(rows: maxBatch, columns: c.width)
        normed = FloatMatrix(rows: maxBatch, columns: c.width)
        q = FloatMatrix(rows: maxBatch, columns: c.width)
        k = FloatMatrix(rows: maxBatch, columns: c.kvWidth)
        v = FloatMatrix(rows: maxBatch, columns: c.kvWidth)
        attention = FloatMatrix(rows: maxBatch, columns: c.width)
        projected = FloatMatrix(rows: maxBatch, columns: c.width)
        gate = FloatMatrix(rows: maxBatch, columns: c.hiddenWidth)
        up = FloatMatrix(rows: maxBatch, columns: c.hiddenWidth)
        down = FloatMatrix(rows: maxBatch, columns: c.width)
        quantizedWide = QuantizedActivations(capacity: maxBatch, columns: c.width)
        quantizedHidden = QuantizedActivations(capacity: maxBatch, columns: c.hiddenWidth)
        logits = FloatMatrix(rows: max(1, logitRows), columns: c.vocabularySize)
        attentionScratch = AttentionScratch(positions: capacity, threads: pool.threadCount)
        slotList.reserveCapacity(maxBatch)
        positionList.reserveCapacity(maxBatch)
    }

    /// Which rows get logits.
    enum LogitRows { case all, last }

    /// Runs the entries through the model, storing their keys and values in the cache. Logits land in
    /// `logits` (row `i` for entry `i`, or row 0 for the last entry alone).
    func forward(tokens: [Int32], slots: [Int], positions: [Int], logitRows: LogitRows) {
        let batch = tokens.count
        let c = model.config
        precondition(batch > 0 && batch <= maxBatch && slots.count == batch && positions.count == batch)
        precondition(logitRows == .last || logits.rows >= batch)
        for b in 0..<batch {
            precondition(positions[b] < cache.capacity && slots[b] < cache.slots)
            model.embedding.dequantizeRow(Int(tokens[b]), into: x, row: b)
        }
        // The residual each block adds to x is folded into the next normalization (see `normalize`).
        var residual: FloatMatrix? = nil
        for (index, layer) in model.layers.enumerated() {
            normalize(adding: residual, weight: layer.attentionNorm, rows: batch)
            MatMul.multiply((layer.query, q), (layer.key, k), (layer.value, v), input: quantizedWide,
                            precision: precision, pool: pool)
            for b in 0..<batch {
                rotary.apply(q, row: b, heads: c.heads, headWidth: c.headWidth, position: positions[b])
                rotary.apply(k, row: b, heads: c.kvHeads, headWidth: c.headWidth, position: positions[b])
                cache.store(layer: index, slot: slots[b], position: positions[b], k: k, v: v, row: b)
            }
            Attention.run(q: q, cache: cache, layer: index, slots: slots, positions: positions, heads: c.heads,
                          kvHeads: c.kvHeads, headWidth: c.headWidth, into: attention, quantized: quantizedWide,
                          scratch: attentionScratch, pool: pool)
            MatMul.multiply(layer.output, quantizedWide, into: projected, precision: precision, pool: pool)
            normalize(adding: projected, weight: layer.ffnNorm, rows: batch)
            MatMul.gatedUnit(gate: (layer.gate, gate), up: (layer.up, up), input: quantizedWide, into: quantizedHidden,
                             precision: precision, pool: pool)
            MatMul.multiply(layer.down, quantizedHidden, into: down, precision: precision, pool: pool)
            residual = down
        }
        if logitRows == .last {
            if let residual { VectorOps.add(x, residual, rows: batch) }
            if batch > 1 { x.copyRows(from: x, sourceRow: batch - 1, count: 1, to: 0) }
            normalize(adding: nil, weight: model.outputNorm, rows: 1)
        } else {
            normalize(adding: residual, weight: model.outputNorm, rows: batch)
        }
        MatMul.multiply(model.outputMatrix, quantizedWide, into: logits, precision: precision, pool: pool)
    }

    /// `x += residual` (when given), then `normed = rmsNorm(x)` quantized into `quantizedWide`, for rows
    /// `0..<rows`: each row on its own, so the rows of a prompt are split over the threads. Up to eight rows
    /// (the candidates of a decode step) stay on the caller: a few microseconds of work, where one more
    /// meeting of the threads per normalization measured slower (best of 8 runs at n = 8: 476 vs 513 tokens/s).
    private func normalize(adding residual: FloatMatrix?, weight: [Float], rows: Int) {
        let c = model.config
        quantizedWide.prepare(normed, rows: rows)
        struct Body: ParallelBody {
            let x: FloatMatrix, residual: FloatMatrix?, normed: FloatMatrix, quantized: QuantizedActivations
            let weight: [Float], epsilon: Float, blocks: Int
            func run(_ range: Range<Int>, thread: Int) {
                if let residual { VectorOps.add(x, residual, rows: range) }
                VectorOps.rmsNorm(x, weight: weight, epsilon: epsilon, rows: range, into: normed)
                quantized.quantize(rows: range, blocks: 0..<blocks)
            }
        }
        pool.parallelFor(rows, grain: rows > 8 ? 1 : rows,
                         Body(x: x, residual: residual, normed: normed, quantized: quantizedWide, weight: weight,
                              epsilon: c.rmsEpsilon, blocks: c.width / 32))
    }
}

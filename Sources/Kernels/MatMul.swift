#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif
import KernelsAVX512
import CPrefetch

/// Matrix products of a weight matrix with a batch of activation rows: `y[b][r] = Σ_c W[r][c] · x[b][c]`.
///
/// Quantized weights (Q4_0, Q4_1, Q8_0) multiply activations quantized to 8 bits (`QuantizedActivations`)
/// with integer dot products per block of 32, as ggml does (`ggml_vec_dot_q4_1_q8_1` and friends in
/// ggml-cpu/arch/x86/quants.c): on x86-64 with AVX2, `vpmaddubsw` multiplies unsigned weight nibbles by
/// signed activation bytes. Per block the integer sums are scaled by `d_w · d_x` and accumulated with FMA in
/// eight lanes, Q4_1's offsets `m · s` in a scalar FMA chain, and the lanes are summed in `hsum_float_8`'s
/// order, so every product rounds as llama.cpp's AVX2 code does. Q4_0 runs as Q4_1 with `m = −8d`, which is
/// exact. F32 and F16 weights multiply
/// the float activations.
///
/// Each weight row is read once per call for the whole batch, and rows are split over the pool's threads;
/// every output element is computed the same way whatever the thread count.
/// How activations enter products: rounded the way llama.cpp's CPU backend rounds them, or not at all.
public enum ActivationPrecision: Sendable, Hashable {
    /// Rounded to 8 bits per block of 32 before products with quantized weights (fast integer products), with
    /// an f16 KV cache and f16 queries and attention probabilities, as llama.cpp does by default.
    case eightBit
    /// Kept in f32 against dequantized weights, with an f32 KV cache (a slower reference).
    case float
}

public enum MatMul {
    /// Computes `y[b][r]` for `b < x.rows`, `r < w.rows`. `y` needs `x.rows` rows of `w.rows` columns.
    /// With `precision == .float`, quantized weights are dequantized and multiply the float activations
    /// (slower; a reference free of activation rounding).
    public static func multiply(_ w: WeightMatrix, _ x: QuantizedActivations, into y: FloatMatrix,
                                precision: ActivationPrecision = .eightBit, pool: ThreadPool) {
        precondition(w.columns == x.columns, "weight width \(w.columns) ≠ activation width \(x.columns)")
        precondition(y.columns == w.rows && y.rows >= x.rows, "output is \(y.rows)×\(y.columns)")
        let batch = x.rows
        let grain = pool.grain(for: w.rows, chunksPerThread: chunksPerThread(batch: batch), multiple: 4)
        // The loops of the per-token path are `ParallelBody` values rather than closures: no allocation.
        struct Body: ParallelBody {
            let w: WeightMatrix, x: QuantizedActivations, y: FloatMatrix, batch: Int, precision: ActivationPrecision
            func run(_ range: Range<Int>, thread: Int) {
                MatMul.multiplyRows(w, x, y, rows: range, batch: batch, precision: precision)
            }
        }
        pool.parallelFor(w.rows, grain: grain, Body(w: w, x: x, y: y, batch: batch, precision: precision))
    }

    /// Two or three products of the same activations in one parallel loop (q, k, v; gate, up), so the threads
    /// meet once instead of once per matrix.
    public static func multiply(_ first: (WeightMatrix, FloatMatrix), _ second: (WeightMatrix, FloatMatrix),
                                _ third: (WeightMatrix, FloatMatrix)? = nil, input x: QuantizedActivations,
                                precision: ActivationPrecision = .eightBit, pool: ThreadPool) {
        precondition(first.0.columns == x.columns && first.1.columns == first.0.rows && first.1.rows >= x.rows)
        precondition(second.0.columns == x.columns && second.1.columns == second.0.rows && second.1.rows >= x.rows)
        if let third {
            precondition(third.0.columns == x.columns && third.1.columns == third.0.rows && third.1.rows >= x.rows)
        }
        let batch = x.rows
        let a = first.0.rows, b = second.0.rows, c = third?.0.rows ?? 0
        let total = a + b + c
        let grain = pool.grain(for: total, chunksPerThread: chunksPerThread(batch: batch), multiple: 4)
        struct Body: ParallelBody {
            let first: (WeightMatrix, FloatMatrix), second: (WeightMatrix, FloatMatrix)
            let third: (WeightMatrix, FloatMatrix)?
            let x: QuantizedActivations, a: Int, b: Int, batch: Int, precision: ActivationPrecision
            func run(_ range: Range<Int>, thread: Int) {
                if range.lowerBound < a {
                    MatMul.multiplyRows(first.0, x, first.1, rows: range.lowerBound..<min(range.upperBound, a),
                                        batch: batch, precision: precision)
                }
                if range.upperBound > a && range.lowerBound < a + b {
                    let rows = (max(range.lowerBound, a) - a)..<(min(range.upperBound, a + b) - a)
                    MatMul.multiplyRows(second.0, x, second.1, rows: rows, batch: batch, precision: precision)
                }
                if let third, range.upperBound > a + b {
                    let rows = (max(range.lowerBound, a + b) - a - b)..<(range.upperBound - a - b)
                    MatMul.multiplyRows(third.0, x, third.1, rows: rows, batch: batch, precision: precision)
                }
            }
        }
        pool.parallelFor(total, grain: grain, Body(first: first, second: second, third: third, x: x, a: a, b: b,
                                                   batch: batch, precision: precision))
    }

    /// The first half of a SwiGLU feed-forward block in one parallel loop: `gate = silu(W_gate·x) · (W_up·x)`,
    /// each chunk of 32 columns quantized into `hidden` as soon as it is done. The threads meet once, instead of
    /// once for the products and then waiting while one of them applies SwiGLU and quantizes; every value is
    /// computed as `multiply`, `VectorOps.swiGLU` and `QuantizedActivations.quantize` compute it.
    public static func gatedUnit(gate: (WeightMatrix, FloatMatrix), up: (WeightMatrix, FloatMatrix),
                                 input x: QuantizedActivations, into hidden: QuantizedActivations,
                                 precision: ActivationPrecision = .eightBit, pool: ThreadPool) {
        let width = gate.0.rows
        precondition(gate.0.columns == x.columns && up.0.columns == x.columns && up.0.rows == width)
        precondition(gate.1.columns == width && up.1.columns == width && gate.1.rows >= x.rows && up.1.rows >= x.rows)
        precondition(width % 32 == 0 && hidden.columns == width)
        let batch = x.rows
        hidden.prepare(gate.1, rows: batch)
        let blocks = width / 32
        struct Body: ParallelBody {
            let gate: (WeightMatrix, FloatMatrix), up: (WeightMatrix, FloatMatrix)
            let x: QuantizedActivations, hidden: QuantizedActivations, batch: Int, precision: ActivationPrecision
            func run(_ range: Range<Int>, thread: Int) {
                let rows = (range.lowerBound * 32)..<(range.upperBound * 32)
                MatMul.multiplyRows(gate.0, x, gate.1, rows: rows, batch: batch, precision: precision)
                MatMul.multiplyRows(up.0, x, up.1, rows: rows, batch: batch, precision: precision)
                VectorOps.swiGLU(gate: gate.1, up: up.1, rows: batch, columns: rows)
                hidden.quantize(rows: 0..<batch, blocks: range)
            }
        }
        pool.parallelFor(blocks, grain: pool.grain(for: blocks, chunksPerThread: chunksPerThread(batch: batch)),
                         Body(gate: gate, up: up, x: x, hidden: hidden, batch: batch, precision: precision))
    }

    /// How finely a product's rows are split. With fewer than four activation rows a product streams its weights
    /// from memory: two long chunks per thread keep each one a single sequential stream and the threads rarely
    /// touch the shared chunk counter (n = 1 decode, 2 threads: 107 vs 98 tokens/s median, 125 vs 110 on a quiet
    /// machine). Larger batches compute more than they read, and eight chunks per thread balance the threads.
    static func chunksPerThread(batch: Int) -> Int { batch < 4 ? 2 : 8 }

    /// The same product for one range of rows, on the calling thread.
    static func multiplyRows(_ w: WeightMatrix, _ x: QuantizedActivations, _ y: FloatMatrix,
                             rows: Range<Int>, batch: Int, precision: ActivationPrecision) {
        let blocks = w.columns / 32
        let out = y.pointer, stride = y.columns
        switch w.type {
        case .f32, .f16:
            guard let source = x.source else { preconditionFailure("float activations missing") }
            for r in rows {
                let row = w.base + r * w.rowBytes
                for b in 0..<batch {
                    out[b * stride + r] = w.type == .f32
                        ? dotF32(row, source.row(b), count: w.columns)
                        : dotF16(row, source.row(b), count: w.columns)
                }
            }
        // A `where` clause guards only the pattern it follows, so each pattern carries its own.
        case .q4_0 where precision == .float, .q4_1 where precision == .float, .q8_0 where precision == .float:
            guard let source = x.source else { preconditionFailure("float activations missing") }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: w.columns) { buffer in
                let row = buffer.baseAddress.unsafelyUnwrapped
                for r in rows {
                    Dequantize.row(w.type, from: w.base + r * w.rowBytes, count: w.columns, into: row)
                    for b in 0..<batch {
                        out[b * stride + r] = dotF32(UnsafeRawPointer(row), source.row(b), count: w.columns)
                    }
                }
            }
        case .q4_0 where batch < 4, .q4_1 where batch < 4, .q8_0 where batch < 4:
            // Two weight rows at a time share each activation block and give the core two independent chains.
            var r = rows.lowerBound
            while r + 2 <= rows.upperBound {
                let row = w.base + r * w.rowBytes
                gait_prefetch(row + EightRowProducts.prefetchRows * w.rowBytes, 2 * w.rowBytes)
                for b in 0..<batch {
                    let pair = dotQuantizedPair(w.type, row, row + w.rowBytes, x, row: b, blocks: blocks)
                    out[b * stride + r] = pair.0
                    out[b * stride + r + 1] = pair.1
                }
                r += 2
            }
            if r < rows.upperBound {
                for b in 0..<batch {
                    out[b * stride + r] = dotQuantized(w.type, w.base + r * w.rowBytes, x, row: b, blocks: blocks)
                }
            }
        case .q4_0, .q4_1, .q8_0:
            var start = 0
            #if arch(x86_64)
            if let quants = x.laneQuants, let scales = x.laneScales, let sums = x.laneSums,
               let corrections = x.laneCorrections {
                // Eight rows at a time on AVX-512 VNNI, bit for bit the same as the kernels below.
                let kind: EightRowProducts.WeightType = switch w.type {
                case .q4_0: .q4_0
                case .q4_1: .q4_1
                default: .q8_0
                }
                let tile = EightRowProducts.tileBytes
                while start + 8 <= batch {
                    let group = (start / 8) * blocks
                    EightRowProducts.multiply(kind, weights: w.base, rowBytes: w.rowBytes, rows: rows, blocks: blocks,
                                              quants: UnsafeRawPointer(quants + group * tile),
                                              scales: UnsafeRawPointer(scales + group * 8),
                                              sums: UnsafeRawPointer(sums + group * 8),
                                              corrections: UnsafeRawPointer(corrections + group * tile / 4),
                                              output: out, outputStride: stride, first: start)
                    start += 8
                }
            }
            #endif
            for r in rows {
                let row = w.base + r * w.rowBytes
                var b = start
                while b + 8 <= batch {
                    let s = dotQuantized8(w.type, row, x, firstRow: b, blocks: blocks)
                    for i in 0..<8 { out[(b + i) * stride + r] = s[i] }
                    b += 8
                }
                while b + 4 <= batch {
                    let s = dotQuantized4(w.type, row, x, firstRow: b, blocks: blocks)
                    out[b * stride + r] = s.0
                    out[(b + 1) * stride + r] = s.1
                    out[(b + 2) * stride + r] = s.2
                    out[(b + 3) * stride + r] = s.3
                    b += 4
                }
                while b < batch {
                    out[b * stride + r] = dotQuantized(w.type, row, x, row: b, blocks: blocks)
                    b += 1
                }
            }
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// The scalar reference for one quantized dot product: the same integer arithmetic as the SIMD path.
    static func referenceDot(_ type: TensorType, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                             row b: Int, blocks: Int) -> Float {
        var total: Float = 0
        for i in 0..<blocks {
            let q = x.quants + (b * x.columns + i * 32)
            let dx = x.scales[b * blocks + i], sx = x.sums[b * blocks + i]
            switch type {
            case .q4_0, .q4_1:
                let p = row + i * type.bytesPerBlock
                let d = half(p, 0)
                let m = type == .q4_1 ? half(p, 2) : -8 * d
                let nibbles = p + (type == .q4_1 ? 4 : 2)
                var dot: Int32 = 0
                for j in 0..<16 {
                    let byte = nibbles.load(fromByteOffset: j, as: UInt8.self)
                    dot += Int32(byte & 0x0f) * Int32(q[j]) + Int32(byte >> 4) * Int32(q[j + 16])
                }
                total += d * dx * Float(dot) + m * sx
            case .q8_0:
                let p = row + i * 34
                var dot: Int32 = 0
                for j in 0..<32 { dot += Int32(p.load(fromByteOffset: 2 + j, as: Int8.self)) * Int32(q[j]) }
                total += half(p, 0) * dx * Float(dot)
            case .f32, .f16:
                preconditionFailure("not a quantized type")
            }
        }
        return total
    }

    static func dotF32(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
        var c = 0
        let xr = UnsafeRawPointer(x)
        while c + 16 <= count {
            a0 += row.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self)
                * xr.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self)
            a1 += row.loadUnaligned(fromByteOffset: 4 * c + 32, as: SIMD8<Float>.self)
                * xr.loadUnaligned(fromByteOffset: 4 * c + 32, as: SIMD8<Float>.self)
            c += 16
        }
        var total = (a0 + a1).sum()
        while c < count {
            total += row.loadUnaligned(fromByteOffset: 4 * c, as: Float.self) * x[c]
            c += 1
        }
        return total
    }

    static func dotF16(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var total: Float = 0
        var c = 0
        #if arch(x86_64)
        var acc = SIMD8<Float>()
        let xr = UnsafeRawPointer(x)
        while c + 8 <= count {
            let w = _mm256_cvtph_ps(row.loadUnaligned(fromByteOffset: 2 * c, as: SIMD2<Int64>.self))
            acc += w * xr.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self)
            c += 8
        }
        total = acc.sum()
        #endif
        while c < count {
            total += half(row, 2 * c) * x[c]
            c += 1
        }
        return total
    }

    /// The sum of eight lanes in the order of ggml's `hsum_float_8` (halves, then pairs), so that a product
    /// rounds exactly as llama.cpp's: `((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7))`.
    @inline(__always)
    static func hsum(_ v: SIMD8<Float>) -> Float {
        let h = v.lowHalf + v.highHalf
        return (h[0] + h[2]) + (h[1] + h[3])
    }

    #if arch(x86_64)
    /// Bytes 0…15 of a Q4 block's nibbles as 32 unsigned bytes: low nibbles first (elements 0…15), then high.
    @inline(__always)
    static func nibbles(_ p: UnsafeRawPointer) -> __m256i {
        let packed = p.loadUnaligned(as: SIMD2<Int64>.self)
        let both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed)
        return _mm256_and_si256(_mm256_set1_epi8(0x0f), both)
    }

    /// Σ over 32 byte products, as 8 float lanes. `unsigned` weights multiply signed activations directly;
    /// signed weights use the sign trick (|w| · sign(x, w)) that `vpmaddubsw` needs.
    @inline(__always)
    static func products(_ w: __m256i, _ x: __m256i, signed: Bool) -> SIMD8<Float> {
        let pairs = signed
            ? _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w))
            : _mm256_maddubs_epi16(w, x)
        return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
    }

    /// One weight block: its 32 values as bytes, its scale and (for Q4) its offset.
    @inline(__always)
    static func weightBlock(_ type: TensorType, _ row: UnsafeRawPointer, _ i: Int) -> (__m256i, Float, Float) {
        switch type {
        case .q4_1:
            let p = row + i * 20
            return (nibbles(p + 4), half(p, 0), half(p, 2))
        case .q4_0:
            let p = row + i * 18
            let d = half(p, 0)
            return (nibbles(p + 2), d, -8 * d)
        default:
            let p = row + i * 34
            return (p.loadUnaligned(fromByteOffset: 2, as: SIMD4<Int64>.self), half(p, 0), 0)
        }
    }

    @inline(__always)
    static func dotQuantized(_ type: TensorType, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                             row b: Int, blocks: Int) -> Float {
        switch type {
        case .q4_0: dot(.q4_0, signed: false, row, x, row: b, blocks: blocks)
        case .q4_1: dot(.q4_1, signed: false, row, x, row: b, blocks: blocks)
        default: dot(.q8_0, signed: true, row, x, row: b, blocks: blocks)
        }
    }

    @inline(__always)
    static func dot(_ type: TensorType, signed: Bool, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                    row b: Int, blocks: Int) -> Float {
        var acc = SIMD8<Float>()
        var offsets: Float = 0
        let q = UnsafeRawPointer(x.quants + b * x.columns)
        let scales = x.scales + b * blocks, sums = x.sums + b * blocks
        for i in 0..<blocks {
            let (w, d, m) = weightBlock(type, row, i)
            let xq = q.load(fromByteOffset: i * 32, as: SIMD4<Int64>.self)
            acc = _mm256_fmadd_ps(SIMD8(repeating: d * scales[i]), products(w, xq, signed: signed), acc)
            if !signed { offsets = offsets.addingProduct(m, sums[i]) }
        }
        return hsum(acc) + offsets
    }

    @inline(__always)
    static func dotQuantizedPair(_ type: TensorType, _ row0: UnsafeRawPointer, _ row1: UnsafeRawPointer,
                                 _ x: QuantizedActivations, row b: Int, blocks: Int) -> (Float, Float) {
        switch type {
        case .q4_0: dotPair(.q4_0, signed: false, row0, row1, x, row: b, blocks: blocks)
        case .q4_1: dotPair(.q4_1, signed: false, row0, row1, x, row: b, blocks: blocks)
        default: dotPair(.q8_0, signed: true, row0, row1, x, row: b, blocks: blocks)
        }
    }

    /// Two weight rows against one activation row; each row's arithmetic is exactly `dot`'s, so results do
    /// not depend on how rows are paired.
    @inline(__always)
    static func dotPair(_ type: TensorType, signed: Bool, _ row0: UnsafeRawPointer, _ row1: UnsafeRawPointer,
                        _ x: QuantizedActivations, row b: Int, blocks: Int) -> (Float, Float) {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var offsets0: Float = 0, offsets1: Float = 0
        let q = UnsafeRawPointer(x.quants + b * x.columns)
        let scales = x.scales + b * blocks, sums = x.sums + b * blocks
        for i in 0..<blocks {
            let xq = q.load(fromByteOffset: i * 32, as: SIMD4<Int64>.self)
            let (w0, d0, m0) = weightBlock(type, row0, i)
            let (w1, d1, m1) = weightBlock(type, row1, i)
            let sx = scales[i]
            acc0 = _mm256_fmadd_ps(SIMD8(repeating: d0 * sx), products(w0, xq, signed: signed), acc0)
            acc1 = _mm256_fmadd_ps(SIMD8(repeating: d1 * sx), products(w1, xq, signed: signed), acc1)
            if !signed {
                offsets0 = offsets0.addingProduct(m0, sums[i])
                offsets1 = offsets1.addingProduct(m1, sums[i])
            }
        }
        return (hsum(acc0) + offsets0, hsum(acc1) + offsets1)
    }

    @inline(__always)
    static func dotQuantized4(_ type: TensorType, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                              firstRow b: Int, blocks: Int) -> (Float, Float, Float, Float) {
        switch type {
        case .q4_0: dot4(.q4_0, signed: false, row, x, firstRow: b, blocks: blocks)
        case .q4_1: dot4(.q4_1, signed: false, row, x, firstRow: b, blocks: blocks)
        default: dot4(.q8_0, signed: true, row, x, firstRow: b, blocks: blocks)
        }
    }

    /// Four activation rows (`b` a multiple of 4) against one weight row: each weight block is unpacked once
    /// for all four, and the four rows' scales and sums come as one vector each. Per row, the arithmetic is
    /// exactly `dot`'s.
    @inline(__always)
    static func dot4(_ type: TensorType, signed: Bool, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                     firstRow b: Int, blocks: Int) -> (Float, Float, Float, Float) {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var o = SIMD4<Float>()
        let width = x.columns
        let q = UnsafeRawPointer(x.quants + b * width)
        let tile = (b / 4) * blocks * 4
        let scales = UnsafeRawPointer(x.tileScales + tile), sums = UnsafeRawPointer(x.tileSums + tile)
        for i in 0..<blocks {
            let (w, d, m) = weightBlock(type, row, i)
            let offset = i * 32
            let ds = SIMD4<Float>(repeating: d) * scales.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self)
            a0 = _mm256_fmadd_ps(SIMD8(repeating: ds[0]),
                                 products(w, q.load(fromByteOffset: offset, as: SIMD4<Int64>.self), signed: signed), a0)
            a1 = _mm256_fmadd_ps(SIMD8(repeating: ds[1]),
                                 products(w, q.load(fromByteOffset: width + offset, as: SIMD4<Int64>.self), signed: signed), a1)
            a2 = _mm256_fmadd_ps(SIMD8(repeating: ds[2]),
                                 products(w, q.load(fromByteOffset: 2 * width + offset, as: SIMD4<Int64>.self), signed: signed), a2)
            a3 = _mm256_fmadd_ps(SIMD8(repeating: ds[3]),
                                 products(w, q.load(fromByteOffset: 3 * width + offset, as: SIMD4<Int64>.self), signed: signed), a3)
            if !signed {
                o = o.addingProduct(SIMD4(repeating: m), sums.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self))
            }
        }
        return (hsum(a0) + o[0], hsum(a1) + o[1], hsum(a2) + o[2], hsum(a3) + o[3])
    }
    @inline(__always)
    static func dotQuantized8(_ type: TensorType, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                              firstRow b: Int, blocks: Int) -> SIMD8<Float> {
        switch type {
        case .q4_0: dot8(.q4_0, signed: false, row, x, firstRow: b, blocks: blocks)
        case .q4_1: dot8(.q4_1, signed: false, row, x, firstRow: b, blocks: blocks)
        default: dot8(.q8_0, signed: true, row, x, firstRow: b, blocks: blocks)
        }
    }

    /// Eight activation rows (`b` a multiple of 4) against one weight row: each weight block is loaded and
    /// unpacked once for all eight, the batched decode's matrix–matrix step. Per row, the arithmetic is exactly
    /// `dot`'s.
    @inline(__always)
    static func dot8(_ type: TensorType, signed: Bool, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                     firstRow b: Int, blocks: Int) -> SIMD8<Float> {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        var o0 = SIMD4<Float>(), o1 = SIMD4<Float>()
        let width = x.columns
        let q = UnsafeRawPointer(x.quants + b * width)
        let tile = (b / 4) * blocks * 4
        let scales0 = UnsafeRawPointer(x.tileScales + tile), sums0 = UnsafeRawPointer(x.tileSums + tile)
        let scales1 = scales0 + blocks * 16, sums1 = sums0 + blocks * 16
        for i in 0..<blocks {
            let (w, d, m) = weightBlock(type, row, i)
            let offset = i * 32
            let dv = SIMD4<Float>(repeating: d)
            let ds0 = dv * scales0.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self)
            let ds1 = dv * scales1.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self)
            @inline(__always)
            func product(_ r: Int) -> SIMD8<Float> {
                products(w, q.load(fromByteOffset: r * width + offset, as: SIMD4<Int64>.self), signed: signed)
            }
            a0 = _mm256_fmadd_ps(SIMD8(repeating: ds0[0]), product(0), a0)
            a1 = _mm256_fmadd_ps(SIMD8(repeating: ds0[1]), product(1), a1)
            a2 = _mm256_fmadd_ps(SIMD8(repeating: ds0[2]), product(2), a2)
            a3 = _mm256_fmadd_ps(SIMD8(repeating: ds0[3]), product(3), a3)
            a4 = _mm256_fmadd_ps(SIMD8(repeating: ds1[0]), product(4), a4)
            a5 = _mm256_fmadd_ps(SIMD8(repeating: ds1[1]), product(5), a5)
            a6 = _mm256_fmadd_ps(SIMD8(repeating: ds1[2]), product(6), a6)
            a7 = _mm256_fmadd_ps(SIMD8(repeating: ds1[3]), product(7), a7)
            if !signed {
                let mv = SIMD4<Float>(repeating: m)
                o0 = o0.addingProduct(mv, sums0.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self))
                o1 = o1.addingProduct(mv, sums1.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self))
            }
        }
        return SIMD8(hsum(a0) + o0[0], hsum(a1) + o0[1], hsum(a2) + o0[2], hsum(a3) + o0[3],
                     hsum(a4) + o1[0], hsum(a5) + o1[1], hsum(a6) + o1[2], hsum(a7) + o1[3])
    }
    #else
    @inline(__always)
    static func dotQuantized8(_ type: TensorType, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                              firstRow b: Int, blocks: Int) -> SIMD8<Float> {
        var s = SIMD8<Float>()
        for i in 0..<8 { s[i] = referenceDot(type, row, x, row: b + i, blocks: blocks) }
        return s
    }

    @inline(__always)
    static func dotQuantizedPair(_ type: TensorType, _ row0: UnsafeRawPointer, _ row1: UnsafeRawPointer,
                                 _ x: QuantizedActivations, row b: Int, blocks: Int) -> (Float, Float) {
        (referenceDot(type, row0, x, row: b, blocks: blocks), referenceDot(type, row1, x, row: b, blocks: blocks))
    }

    @inline(__always)
    static func dotQuantized(_ type: TensorType, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                             row b: Int, blocks: Int) -> Float {
        referenceDot(type, row, x, row: b, blocks: blocks)
    }

    @inline(__always)
    static func dotQuantized4(_ type: TensorType, _ row: UnsafeRawPointer, _ x: QuantizedActivations,
                              firstRow b: Int, blocks: Int) -> (Float, Float, Float, Float) {
        (referenceDot(type, row, x, row: b, blocks: blocks), referenceDot(type, row, x, row: b + 1, blocks: blocks),
         referenceDot(type, row, x, row: b + 2, blocks: blocks), referenceDot(type, row, x, row: b + 3, blocks: blocks))
    }
    #endif
}

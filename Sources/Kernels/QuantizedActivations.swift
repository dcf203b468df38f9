#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif
import KernelsAVX512

/// Activations rounded to 8 bits in blocks of 32, the way ggml prepares the input of a quantized product
/// (`quantize_row_q8_0` / `quantize_row_q8_1` in ggml-cpu/arch/x86/quants.c): per block `d = max|x| / 127`,
/// `q = round(x · 127 / max|x|)` (half to even), and for Q4_1 products also `s = d · Σq`; `d` and `s` are
/// rounded to f16 as ggml stores them, so the integer products match llama.cpp's.
///
/// Stored as separate planes (all quants, then all scales, then all sums) so SIMD loads are aligned.
public final class QuantizedActivations: @unchecked Sendable {
    // Sendable: filled before a product (by one thread, or by several in disjoint parts between `prepare` and
    // the product), then only read.

    public let capacity: Int
    public let columns: Int
    public private(set) var rows = 0
    let quants: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>
    /// Scales and sums again, interleaved by tiles of four rows (`[row / 4][block][row % 4]`), so the four-row
    /// kernel reads one vector per block instead of four scattered floats.
    let tileScales: UnsafeMutablePointer<Float>
    let tileSums: UnsafeMutablePointer<Float>
    /// With AVX-512 VNNI (`EightRowProducts`), per group of eight rows and block: the quants lane by lane
    /// (`[j mod 4][j / 4][row][4 bytes]`, `EightRowProducts.tileBytes` a block), the eight scales, the eight
    /// sums, and each lane's `−128 · Σq` as `Int32` (laid out as the quants).
    let laneQuants: UnsafeMutableRawPointer?
    let laneScales: UnsafeMutablePointer<Float>?
    let laneSums: UnsafeMutablePointer<Float>?
    let laneCorrections: UnsafeMutablePointer<Int32>?
    /// The float rows the quants were made from (for F32/F16 weights, which take floats).
    private(set) var source: FloatMatrix?

    /// Room for `capacity` rows of `columns` values (`columns` a multiple of 32).
    public init(capacity: Int, columns: Int) {
        precondition(columns % 32 == 0, "activation width \(columns) is not a multiple of 32")
        self.capacity = capacity
        self.columns = columns
        let n = max(capacity * columns, 32)
        quants = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 64).bindMemory(to: Int8.self, capacity: n)
        quants.initialize(repeating: 0, count: n)
        scales = .allocate(capacity: n / 32)
        scales.initialize(repeating: 0, count: n / 32)
        sums = .allocate(capacity: n / 32)
        sums.initialize(repeating: 0, count: n / 32)
        let tiles = ((capacity + 3) / 4) * 4 * max(columns / 32, 1)
        tileScales = .allocate(capacity: tiles)
        tileScales.initialize(repeating: 0, count: tiles)
        tileSums = .allocate(capacity: tiles)
        tileSums.initialize(repeating: 0, count: tiles)
        if EightRowProducts.isSupported && capacity >= 8 {
            let groupBlocks = (capacity / 8) * (columns / 32)
            let tileBytes = groupBlocks * EightRowProducts.tileBytes
            let quants = UnsafeMutableRawPointer.allocate(byteCount: tileBytes, alignment: 64)
            quants.initializeMemory(as: UInt8.self, repeating: 0, count: tileBytes)
            laneQuants = quants
            let corrections = UnsafeMutableRawPointer.allocate(byteCount: tileBytes, alignment: 64)
                .bindMemory(to: Int32.self, capacity: tileBytes / 4)
            corrections.initialize(repeating: 0, count: tileBytes / 4)
            laneCorrections = corrections
            let scales = UnsafeMutableRawPointer.allocate(byteCount: groupBlocks * 32, alignment: 64)
                .bindMemory(to: Float.self, capacity: groupBlocks * 8)
            scales.initialize(repeating: 0, count: groupBlocks * 8)
            laneScales = scales
            let sums = UnsafeMutableRawPointer.allocate(byteCount: groupBlocks * 32, alignment: 64)
                .bindMemory(to: Float.self, capacity: groupBlocks * 8)
            sums.initialize(repeating: 0, count: groupBlocks * 8)
            laneSums = sums
        } else {
            laneQuants = nil
            laneScales = nil
            laneSums = nil
            laneCorrections = nil
        }
    }

    deinit {
        quants.deallocate()
        scales.deallocate()
        sums.deallocate()
        tileScales.deallocate()
        tileSums.deallocate()
        laneQuants?.deallocate()
        laneScales?.deallocate()
        laneSums?.deallocate()
        laneCorrections?.deallocate()
    }

    /// Quantizes rows `0..<rows` of `matrix`.
    public func quantize(_ matrix: FloatMatrix, rows: Int) {
        prepare(matrix, rows: rows)
        quantize(rows: 0..<rows, blocks: 0..<(columns / 32))
    }

    /// Takes rows `0..<rows` of `matrix` as the next input without quantizing them: `quantize(rows:blocks:)`
    /// then fills the quants, from any threads as long as their parts are disjoint (a kernel that writes
    /// `matrix` in parts can quantize each part as soon as it is done, without another meeting of the threads).
    public func prepare(_ matrix: FloatMatrix, rows: Int) {
        precondition(matrix.columns == columns && rows <= capacity && rows <= matrix.rows)
        self.rows = rows
        source = matrix
    }

    /// Quantizes blocks `blocks` (of 32 columns) of rows `rows` of the matrix given to `prepare`.
    public func quantize(rows range: Range<Int>, blocks blockRange: Range<Int>) {
        guard let matrix = source else { preconditionFailure("quantize(rows:blocks:) before prepare") }
        precondition(range.upperBound <= rows && blockRange.upperBound <= columns / 32)
        let blocks = columns / 32
        // Rows in a whole group of eight also go into the lane tiles of `EightRowProducts`.
        let grouped = rows - rows % 8
        for r in range {
            let x = matrix.row(r)
            for b in blockRange {
                Self.quantizeBlock(x + b * 32, quants + (r * columns + b * 32),
                                   scale: scales + (r * blocks + b), sum: sums + (r * blocks + b))
                let tile = ((r / 4) * blocks + b) * 4 + r % 4
                tileScales[tile] = scales[r * blocks + b]
                tileSums[tile] = sums[r * blocks + b]
                if r < grouped, let laneQuants, let laneScales, let laneSums, let laneCorrections {
                    let block = (r / 8) * blocks + b, k = r % 8
                    let q = UnsafeRawPointer(quants + (r * columns + b * 32))
                    let tile = laneQuants + block * EightRowProducts.tileBytes + 4 * k
                    let corrections = UnsafeMutableRawPointer(laneCorrections + block * 64 + k)
                    let totals = Self.laneSums(q)
                    for j in 0..<8 {
                        let lane = EightRowProducts.laneOffset(j)
                        tile.storeBytes(of: q.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self),
                                        toByteOffset: lane, as: UInt32.self)
                        corrections.storeBytes(of: -128 * totals[j], toByteOffset: lane, as: Int32.self)
                    }
                    laneScales[block * 8 + k] = scales[r * blocks + b]
                    laneSums[block * 8 + k] = sums[r * blocks + b]
                }
            }
        }
    }

    /// The sums of each four consecutive quants of a block (its eight lanes).
    @inline(__always)
    static func laneSums(_ q: UnsafeRawPointer) -> SIMD8<Int32> {
        #if arch(x86_64)
        let pairs = _mm256_maddubs_epi16(_mm256_set1_epi8(1), q.loadUnaligned(as: SIMD4<Int64>.self))
        return unsafeBitCast(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)), to: SIMD8<Int32>.self)
        #else
        var totals = SIMD8<Int32>()
        for j in 0..<32 { totals[j / 4] += Int32(q.load(fromByteOffset: j, as: Int8.self)) }
        return totals
        #endif
    }

    @inline(__always)
    static func quantizeBlock(_ x: UnsafePointer<Float>, _ q: UnsafeMutablePointer<Int8>,
                              scale: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(x)
        let v0 = raw.loadUnaligned(as: SIMD8<Float>.self)
        let v1 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        let v2 = raw.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
        let v3 = raw.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
        // ggml's AVX2 quantize_row_q8_0/q8_1: multiply by 127/amax, round half to even, store d (and s) as f16.
        #if arch(x86_64)
        let sign = _mm256_set1_ps(-0.0)
        let m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                              _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)))
        let amax = max(max(max(m[0], m[1]), max(m[2], m[3])), max(max(m[4], m[5]), max(m[6], m[7])))
        let d = amax / 127
        let multiplier = _mm256_set1_ps(amax != 0 ? 127 / amax : 0)
        // vcvtps2dq rounds to nearest even under the default MXCSR, as ggml's _mm256_round_ps does.
        let i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, multiplier))
        let i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, multiplier))
        let i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, multiplier))
        let i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, multiplier))
        let lanes = unsafeBitCast(_mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3)), to: SIMD8<Int32>.self)
        let total = (lanes[0] &+ lanes[1]) &+ (lanes[2] &+ lanes[3]) &+ (lanes[4] &+ lanes[5]) &+ (lanes[6] &+ lanes[7])
        let packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3))
        let ordered = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
        UnsafeMutableRawPointer(q).storeBytes(of: ordered, as: SIMD4<Int64>.self)
        #else
        var amax: Float = 0
        for i in 0..<32 { amax = max(amax, abs(x[i])) }
        let d = amax / 127
        let multiplier: Float = amax != 0 ? 127 / amax : 0
        var total: Int32 = 0
        for i in 0..<32 {
            let value = Int32((x[i] * multiplier).rounded(.toNearestOrEven))
            q[i] = Int8(value)
            total += value
        }
        #endif
        scale.pointee = Float(Float16(d))
        sum.pointee = Float(Float16(d * Float(total)))
    }

    /// The dequantized value of row `row`, column `column` (for tests).
    public func value(row: Int, column: Int) -> Float {
        Float(quants[row * columns + column]) * scales[row * (columns / 32) + column / 32]
    }
}

/// Activations rounded to 8 bits in blocks of 32, the way ggml prepares the input of a quantized product
/// (`quantize_row_q8_0` / `quantize_row_q8_1` in ggml-cpu/arch/x86/quants.c): per block `d = max|x| / 127`,
/// `q = round(x · 127 / max|x|)` (half to even), and for Q4_1 products also `s = d · Σq`; `d` and `s` are
/// rounded to f16 as ggml stores them, so the integer products match llama.cpp's.
///
/// Stored as separate planes (all quants, then all scales, then all sums) so SIMD loads are aligned.
public final class QuantizedActivations: @unchecked Sendable {
    // Sendable: filled by one thread before a product, then only read.

    public let capacity: Int
    public let columns: Int
    public private(set) var rows = 0
    let quants: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>
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
    }

    deinit {
        quants.deallocate()
        scales.deallocate()
        sums.deallocate()
    }

    /// Quantizes rows `0..<rows` of `matrix`.
    public func quantize(_ matrix: FloatMatrix, rows: Int) {
        precondition(matrix.columns == columns && rows <= capacity && rows <= matrix.rows)
        self.rows = rows
        source = matrix
        let blocks = columns / 32
        for r in 0..<rows {
            let x = matrix.row(r)
            for b in 0..<blocks {
                Self.quantizeBlock(x + b * 32, quants + (r * columns + b * 32),
                                   scale: scales + (r * blocks + b), sum: sums + (r * blocks + b))
            }
        }
    }

    @inline(__always)
    static func quantizeBlock(_ x: UnsafePointer<Float>, _ q: UnsafeMutablePointer<Int8>,
                              scale: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(x)
        let v0 = raw.loadUnaligned(as: SIMD8<Float>.self)
        let v1 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        let v2 = raw.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
        let v3 = raw.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
        let m = pointwiseMax(pointwiseMax(pointwiseMax(v0, -v0), pointwiseMax(v1, -v1)),
                             pointwiseMax(pointwiseMax(v2, -v2), pointwiseMax(v3, -v3)))
        let amax = m.max()
        // ggml's AVX2 quantize_row_q8_0/q8_1: multiply by 127/amax, round half to even, store d (and s) as f16.
        let d = amax / 127
        let id: Float = amax != 0 ? 127 / amax : 0
        let scaled = SIMD8<Float>(repeating: id)
        let q0 = SIMD8<Int32>((v0 * scaled).rounded(.toNearestOrEven), rounding: .towardZero)
        let q1 = SIMD8<Int32>((v1 * scaled).rounded(.toNearestOrEven), rounding: .towardZero)
        let q2 = SIMD8<Int32>((v2 * scaled).rounded(.toNearestOrEven), rounding: .towardZero)
        let q3 = SIMD8<Int32>((v3 * scaled).rounded(.toNearestOrEven), rounding: .towardZero)
        let out = UnsafeMutableRawPointer(q)
        out.storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: q0), as: SIMD8<Int8>.self)
        out.storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: q1), toByteOffset: 8, as: SIMD8<Int8>.self)
        out.storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: q2), toByteOffset: 16, as: SIMD8<Int8>.self)
        out.storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: q3), toByteOffset: 24, as: SIMD8<Int8>.self)
        scale.pointee = Float(Float16(d))
        sum.pointee = Float(Float16(d * Float((q0 &+ q1 &+ q2 &+ q3).wrappedSum())))
    }

    /// The dequantized value of row `row`, column `column` (for tests).
    public func value(row: Int, column: Int) -> Float {
        Float(quants[row * columns + column]) * scales[row * (columns / 32) + column / 32]
    }
}

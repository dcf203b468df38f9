import Foundation

/// The element-wise and row-wise operations of a llama forward pass, on `FloatMatrix` rows.
public enum VectorOps {
    /// RMSNorm (Zhang & Sennrich 2019) as llama.cpp computes it (`ggml_compute_forward_rms_norm_f32`, then a
    /// multiply by the weight): the squares summed one by one in double, `scale = 1 / sqrt(mean + eps)` in
    /// float, `out = (x · scale) · weight`, for rows `0..<rows`.
    public static func rmsNorm(_ x: FloatMatrix, weight: [Float], epsilon: Float, rows: Int, into out: FloatMatrix) {
        rmsNorm(x, weight: weight, epsilon: epsilon, rows: 0..<rows, into: out)
    }

    /// `rmsNorm` of rows `rows` only.
    public static func rmsNorm(_ x: FloatMatrix, weight: [Float], epsilon: Float, rows: Range<Int>,
                               into out: FloatMatrix) {
        precondition(weight.count == x.columns && out.columns == x.columns)
        let n = x.columns
        weight.withUnsafeBufferPointer { w in
            for r in rows {
                let row = x.row(r), target = out.row(r)
                var sum = 0.0
                for c in 0..<n { sum += Double(row[c] * row[c]) }
                let mean = Float(sum / Double(n))
                let scale = 1 / (mean + epsilon).squareRoot()
                for i in 0..<n { target[i] = row[i] * scale * w[i] }
            }
        }
    }

    /// `a += b` for rows `0..<rows`.
    public static func add(_ a: FloatMatrix, _ b: FloatMatrix, rows: Int) {
        add(a, b, rows: 0..<rows)
    }

    /// `a += b` for rows `rows`.
    public static func add(_ a: FloatMatrix, _ b: FloatMatrix, rows: Range<Int>) {
        precondition(a.columns == b.columns)
        let x = a.pointer, y = b.pointer
        for i in (rows.lowerBound * a.columns)..<(rows.upperBound * a.columns) { x[i] += y[i] }
    }

    /// SwiGLU (Shazeer 2020): `gate = silu(gate) · up`, for rows `0..<rows`, with `silu(x) = x / (1 + e^−x)`
    /// (ggml's `ggml_vec_swiglu_f32`, also with a vectorized exponential).
    public static func swiGLU(gate: FloatMatrix, up: FloatMatrix, rows: Int) {
        precondition(gate.columns == up.columns)
        swiGLU(gate.pointer, up.pointer, count: rows * gate.columns)
    }

    /// `swiGLU` of columns `columns` (a multiple of 8 wide) of rows `0..<rows`; each value comes out as from
    /// the whole-matrix call.
    public static func swiGLU(gate: FloatMatrix, up: FloatMatrix, rows: Int, columns: Range<Int>) {
        precondition(gate.columns == up.columns && columns.count % 8 == 0 && columns.upperBound <= gate.columns)
        for r in 0..<rows {
            swiGLU(gate.row(r) + columns.lowerBound, up.row(r) + columns.lowerBound, count: columns.count)
        }
    }

    @inline(__always)
    static func swiGLU(_ g: UnsafeMutablePointer<Float>, _ u: UnsafeMutablePointer<Float>, count total: Int) {
        var i = 0
        while i + 8 <= total {
            let v = load8(g, i)
            UnsafeMutableRawPointer(g + i).storeBytes(of: v / (1 + exp(-v)) * load8(u, i), as: SIMD8<Float>.self)
            i += 8
        }
        while i < total {
            let v = g[i]
            g[i] = v / (1 + expf(-v)) * u[i]
            i += 1
        }
    }

    /// Softmax of `count` values in place (max-subtracted for stability), as ggml's `ggml_vec_soft_max_f32`:
    /// vectorized exponentials, the sum accumulated in double, then one multiply by its inverse.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let maximum = Self.maximum(x, count: count)
        var i = 0
        var sum = 0.0
        let top = SIMD8<Float>(repeating: maximum)
        i = 0
        while i + 8 <= count {
            let e = exp(load8(x, i) - top)
            UnsafeMutableRawPointer(x + i).storeBytes(of: e, as: SIMD8<Float>.self)
            sum += Double(e.sum())
            i += 8
        }
        while i < count {
            let e = expf(x[i] - maximum)
            x[i] = e
            sum += Double(e)
            i += 1
        }
        let inverse = Float(1 / sum)
        i = 0
        while i + 8 <= count {
            UnsafeMutableRawPointer(x + i).storeBytes(of: load8(x, i) * inverse, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { x[i] *= inverse; i += 1 }
    }

    /// `e^x` lane by lane, the way ggml's `ggml_v_expf` computes it (an Arm optimized-routines algorithm,
    /// error below 1.5 ulp): `n = round(x · log₂e)` through the 1.5·2²³ shift, `b = x − n·ln 2` with ln 2 in two
    /// parts, `e^b ≈ 1 + c₁b + c₂b² + … + c₅b⁵` evaluated as ggml's AVX-512 branch groups it, times `2^n`.
    /// Inputs are clamped to −87.3…88.3, where `2^n` is a normal float (below, the result is about 1e-38
    /// instead of a subnormal or 0; ggml's own result there is no more useful).
    @inline(__always)
    public static func exp(_ value: SIMD8<Float>) -> SIMD8<Float> {
        // Compare and blend: the standard library's `clamped` calls generic pointwiseMin/Max.
        let lower = SIMD8<Float>(repeating: -87.3), upper = SIMD8<Float>(repeating: 88.3)
        var x = value.replacing(with: lower, where: value .< lower)
        x.replace(with: upper, where: x .> upper)
        let shift = SIMD8<Float>(repeating: 0x1.8p23)
        let z = shift.addingProduct(x, SIMD8(repeating: 0x1.715476p+0))
        let n = z - shift
        let b = x.addingProduct(-n, SIMD8(repeating: 0x1.62e4p-1)).addingProduct(-n, SIMD8(repeating: 0x1.7f7d1cp-20))
        let u = b * b
        let high = SIMD8<Float>(repeating: 0x1.573e2ep-5).addingProduct(SIMD8(repeating: 0x1.0e4020p-7), b)
        let middle = SIMD8<Float>(repeating: 0x1.fffdb6p-2).addingProduct(SIMD8(repeating: 0x1.555e66p-3), b)
        let low = SIMD8<Float>(repeating: 1).addingProduct(SIMD8(repeating: 0x1.ffffecp-1), b)
        let j = low.addingProduct(middle.addingProduct(high, u), u)
        // z's low mantissa bits hold n: shifted into the exponent field and added to 1.0's bits, they make 2^n
        // (the standard library's float-to-integer conversion of SIMD vectors is not vectorized).
        let bits = (unsafeBitCast(z, to: SIMD8<Int32>.self) &<< 23) &+ 0x3F80_0000
        return j * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    /// The largest of `count` values (−∞ for none; NaNs are skipped unless all are NaN).
    public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var top = -Float.infinity
        var i = 0
        if count >= 8 {
            var m = load8(x, 0)
            i = 8
            while i + 8 <= count {
                let v = load8(x, i)
                m = m.replacing(with: v, where: v .> m)
                i += 8
            }
            for lane in 0..<8 where m[lane] > top { top = m[lane] }
        }
        while i < count {
            if x[i] > top { top = x[i] }
            i += 1
        }
        return top
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load8(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }
}



import Foundation

/// The element-wise and row-wise operations of a llama forward pass, on `FloatMatrix` rows.
public enum VectorOps {
    /// RMSNorm (Zhang & Sennrich 2019) as llama.cpp computes it (`ggml_rms_norm` then a multiply by the weight):
    /// `out = x / sqrt(mean(x²) + eps) · weight`, for rows `0..<rows`.
    public static func rmsNorm(_ x: FloatMatrix, weight: [Float], epsilon: Float, rows: Int, into out: FloatMatrix) {
        precondition(weight.count == x.columns && out.columns == x.columns)
        let n = x.columns
        weight.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                let row = x.row(r), target = out.row(r)
                var acc = SIMD8<Float>()
                var c = 0
                while c + 8 <= n {
                    let v = load8(row, c)
                    acc += v * v
                    c += 8
                }
                var sum = acc.sum()
                while c < n { sum += row[c] * row[c]; c += 1 }
                let scale = 1 / (sum / Float(n) + epsilon).squareRoot()
                for i in 0..<n { target[i] = row[i] * scale * w[i] }
            }
        }
    }

    /// `a += b` for rows `0..<rows`.
    public static func add(_ a: FloatMatrix, _ b: FloatMatrix, rows: Int) {
        precondition(a.columns == b.columns)
        let total = rows * a.columns
        let x = a.pointer, y = b.pointer
        for i in 0..<total { x[i] += y[i] }
    }

    /// SwiGLU (Shazeer 2020): `gate = silu(gate) · up`, for rows `0..<rows`.
    public static func swiGLU(gate: FloatMatrix, up: FloatMatrix, rows: Int) {
        precondition(gate.columns == up.columns)
        let total = rows * gate.columns
        let g = gate.pointer, u = up.pointer
        for i in 0..<total {
            let v = g[i]
            g[i] = v / (1 + expf(-v)) * u[i]
        }
    }

    /// Softmax of `count` values in place (max-subtracted for stability).
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var maximum = x[0]
        for i in 1..<count where x[i] > maximum { maximum = x[i] }
        var sum: Float = 0
        for i in 0..<count {
            let e = expf(x[i] - maximum)
            x[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<count { x[i] *= inverse }
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

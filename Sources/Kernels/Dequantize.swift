/// Scalar dequantization of ggml blocks into floats: the reference the SIMD kernels are checked against, and
/// the path for embedding lookups. Matches ggml's `dequantize_row_q4_0`, `_q4_1`, `_q8_0` (ggml-quants.c).
public enum Dequantize {
    /// Converts `count` elements of type `type` at `source` (a whole number of blocks) into `destination`.
    public static func row(_ type: TensorType, from source: UnsafeRawPointer, count: Int,
                           into destination: UnsafeMutablePointer<Float>) {
        precondition(count % type.blockSize == 0, "row of \(count) elements is not whole \(type.name) blocks")
        switch type {
        case .f32:
            for i in 0..<count { destination[i] = source.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .f16:
            for i in 0..<count { destination[i] = half(source, 2 * i) }
        case .q4_0:
            for block in 0..<(count / 32) {
                let p = source + block * 18
                let d = half(p, 0)
                let out = destination + block * 32
                for j in 0..<16 {
                    let byte = p.load(fromByteOffset: 2 + j, as: UInt8.self)
                    out[j] = Float(Int(byte & 0x0f) - 8) * d
                    out[j + 16] = Float(Int(byte >> 4) - 8) * d
                }
            }
        case .q4_1:
            for block in 0..<(count / 32) {
                let p = source + block * 20
                let d = half(p, 0), m = half(p, 2)
                let out = destination + block * 32
                for j in 0..<16 {
                    let byte = p.load(fromByteOffset: 4 + j, as: UInt8.self)
                    out[j] = Float(byte & 0x0f) * d + m
                    out[j + 16] = Float(byte >> 4) * d + m
                }
            }
        case .q8_0:
            for block in 0..<(count / 32) {
                let p = source + block * 34
                let d = half(p, 0)
                let out = destination + block * 32
                for j in 0..<32 { out[j] = Float(p.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
            }
        }
    }

    /// Dequantizes into a new array (for tests and small tensors).
    public static func row(_ type: TensorType, bytes: [UInt8], count: Int) -> [Float] {
        precondition(bytes.count >= (type.rowByteCount(elements: count) ?? Int.max), "too few bytes")
        var out = [Float](repeating: 0, count: count)
        guard count > 0 else { return out }
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { row(type, from: raw.baseAddress!, count: count, into: $0.baseAddress!) }
        }
        return out
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
}

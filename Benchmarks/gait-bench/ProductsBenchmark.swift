import Foundation
import Kernels
import KernelsAVX512

/// The quantized matrix products alone, the engine's main cost, on synthetic weights of the default model's
/// width (576 columns) and types (Q4_1 for its layers, Q8_0 for its output matrix): one activation row (n = 1
/// decode) and eight (n = 8 decode).
///
/// `swift run -c release gait-bench products [--type q4_1|q8_0] [--threads N] [--seconds S]`
///
/// Two sizes: a 576 × 576 matrix (207 KB in Q4_1, 352 KB in Q8_0: it stays in the core's L2 cache), which
/// times the arithmetic, and about 66 MB of such matrices (320 in Q4_1, 190 in Q8_0: more than the L3
/// cache), which streams the weights from memory as decoding does. Prints nanoseconds per weight block (32 weights × all activation rows) and weight bytes read per
/// second.
@Sendable func productsBenchmark(_ arguments: [String]) async throws {
    func option(_ name: String, _ fallback: String) -> String {
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return fallback }
        return arguments[i + 1]
    }
    let threads = Int(option("--threads", "2")) ?? 2
    let seconds = Double(option("--seconds", "2")) ?? 2
    let typeName = option("--type", "q4_1")
    guard let type = [TensorType.q4_1, .q8_0].first(where: { $0.name.lowercased() == typeName.lowercased() }) else {
        throw BenchmarkUsage("--type takes q4_1 or q8_0, not '\(typeName)'")
    }
    let pool = ThreadPool(threads: threads)
    let columns = 576, rows = 576
    var generator = SystemRandomNumberGenerator()
    let rowBytes = type.rowByteCount(elements: columns) ?? 0, blockBytes = rowBytes / (columns / 32)
    // The bytes after a block's halves (its scale, and Q4_1's offset) are quants.
    let halvesBytes = type == .q4_1 ? 4 : 2
    func matrix() -> WeightMatrix {
        var bytes = [UInt8](repeating: 0, count: rowBytes * rows)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        // Block scales: small positive halves (the random bytes would include NaNs).
        for r in 0..<rows {
            for b in 0..<(columns / 32) {
                let offset = r * rowBytes + b * blockBytes
                let d = Float16(Float.random(in: 0.001...0.01, using: &generator)).bitPattern
                bytes[offset] = UInt8(d & 0xff); bytes[offset + 1] = UInt8(d >> 8)
                if type == .q4_1 {
                    let m = Float16(Float.random(in: -0.1...0, using: &generator)).bitPattern
                    bytes[offset + 2] = UInt8(m & 0xff); bytes[offset + 3] = UInt8(m >> 8)
                }
            }
        }
        return WeightMatrix(bytes: bytes, type: type, rows: rows, columns: columns)
    }
    let cached = [matrix()]
    let streamed = (0..<(type == .q4_1 ? 320 : 190)).map { _ in
        WeightMatrix(bytes: randomCopy(of: cached[0], blockBytes: blockBytes, quantsFrom: halvesBytes,
                                       using: &generator),
                     type: type, rows: rows, columns: columns)
    }
    let kernels = EightRowProducts.isSupported ? "AVX-512 VNNI eight-row kernel" : "AVX2 kernels"
    print("products: \(type.name) \(rows)×\(columns), \(threads) threads, \(kernels)")
    for batch in [1, 8] {
        let input = FloatMatrix(rows: batch, columns: columns)
        for i in 0..<(batch * columns) { input.pointer[i] = Float.random(in: -1...1, using: &generator) }
        let x = QuantizedActivations(capacity: batch, columns: columns)
        x.quantize(input, rows: batch)
        let y = FloatMatrix(rows: batch, columns: rows)
        for (name, set) in [("in cache", cached), ("from memory", streamed)] {
            let clock = ContinuousClock()
            var products = 0
            let start = clock.now
            repeat {
                for w in set { MatMul.multiply(w, x, into: y, pool: pool) }
                products += set.count
            } while (clock.now - start) < .seconds(seconds)
            let elapsed = clock.now - start
            let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let blocks = Double(products * rows * columns / 32)
            let bytes = Double(products * rows * rowBytes)
            print(String(format: "  n = %d, %@: %.2f ns per block, %.1f GB/s of weights, %.0f products/s",
                         batch, name, total / blocks * 1e9, bytes / total / 1e9, Double(products) / total))
        }
    }
}

/// A matrix of the same type and shape as `source` with fresh random quants (the bytes of each block from
/// `quantsFrom` on) and the same block scales.
private func randomCopy(of source: WeightMatrix, blockBytes: Int, quantsFrom: Int,
                        using generator: inout SystemRandomNumberGenerator) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: source.rowBytes * source.rows)
    for r in 0..<source.rows {
        let row = source.rowBytes(r)
        for i in 0..<source.rowBytes { bytes[r * source.rowBytes + i] = row[i] }
    }
    for i in stride(from: 0, to: bytes.count, by: blockBytes) {
        for j in quantsFrom..<blockBytes { bytes[i + j] = UInt8.random(in: 0...255, using: &generator) }
    }
    return bytes
}

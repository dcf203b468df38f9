import Foundation
@testable import Kernels
import Testing

/// Random ggml rows of a given type, built block by block.
func randomMatrix(_ type: TensorType, rows: Int, columns: Int, seed: UInt64) -> WeightMatrix {
    var random = SplitMix(seed: seed)
    func unit() -> Float { Float(random.next() % 20001) / 10000 - 1 }
    var bytes: [UInt8] = []
    for _ in 0..<rows {
        switch type {
        case .f32:
            for _ in 0..<columns { withUnsafeBytes(of: unit().bitPattern.littleEndian) { bytes += $0 } }
        case .f16:
            for _ in 0..<columns { bytes += halfBytes(unit()) }
        case .q8_0:
            for _ in 0..<(columns / 32) {
                bytes += halfBytes(abs(unit()) / 64)
                for _ in 0..<32 { bytes.append(UInt8(truncatingIfNeeded: Int(random.next() % 255) - 127)) }
            }
        case .q4_0, .q4_1:
            for _ in 0..<(columns / 32) {
                bytes += halfBytes(abs(unit()) / 8)
                if type == .q4_1 { bytes += halfBytes(unit()) }
                for _ in 0..<16 { bytes.append(UInt8(truncatingIfNeeded: random.next())) }
            }
        }
    }
    return WeightMatrix(bytes: bytes, type: type, rows: rows, columns: columns)
}

func randomActivations(rows: Int, columns: Int, seed: UInt64) -> FloatMatrix {
    var random = SplitMix(seed: seed)
    let matrix = FloatMatrix(rows: rows, columns: columns)
    for i in 0..<(rows * columns) { matrix.pointer[i] = Float(Int(random.next() % 20001) - 10000) / 3000 }
    return matrix
}

@Suite("Quantized matrix products")
struct MatMulTests {
    @Test("SIMD products equal the scalar integer reference", arguments: [TensorType.q4_0, .q4_1, .q8_0])
    func simdMatchesReference(type: TensorType) {
        let w = randomMatrix(type, rows: 13, columns: 96, seed: 1)
        for batch in [1, 3, 4, 5, 8, 9, 13] {
            let x = randomActivations(rows: batch, columns: 96, seed: UInt64(batch))
            let q = QuantizedActivations(capacity: batch, columns: 96)
            q.quantize(x, rows: batch)
            let y = FloatMatrix(rows: batch, columns: 13)
            MatMul.multiply(w, q, into: y, pool: ThreadPool(threads: 1))
            for b in 0..<batch {
                // The eight-, four- and one-row kernels round alike: a row's result never depends on its batch.
                let alone = QuantizedActivations(capacity: 1, columns: 96)
                alone.quantize(FloatMatrix(copying: x, row: b), rows: 1)
                let single = FloatMatrix(rows: 1, columns: 13)
                MatMul.multiply(w, alone, into: single, pool: ThreadPool(threads: 1))
                #expect(single.rowArray(0) == y.rowArray(b), "\(type.name) batch \(batch) row \(b)")
                for r in 0..<13 {
                    let reference = MatMul.referenceDot(type, w.base + r * w.rowBytes, q, row: b, blocks: 3)
                    #expect(abs(y[b, r] - reference) <= 1e-4 * max(1, abs(reference)), "\(type.name) b\(b) r\(r)")
                }
            }
        }
    }

    @Test("products are close to the float product of dequantized weights", arguments: TensorType.allCases)
    func closeToFloat(type: TensorType) {
        let w = randomMatrix(type, rows: 8, columns: 64, seed: 3)
        let x = randomActivations(rows: 2, columns: 64, seed: 4)
        let q = QuantizedActivations(capacity: 2, columns: 64)
        q.quantize(x, rows: 2)
        let y = FloatMatrix(rows: 2, columns: 8)
        let exact = FloatMatrix(rows: 2, columns: 8)
        MatMul.multiply(w, q, into: y, pool: ThreadPool(threads: 2))
        MatMul.multiply(w, q, into: exact, precision: .float, pool: ThreadPool(threads: 2))
        for b in 0..<2 {
            for r in 0..<8 {
                let row = w.dequantizedRow(r)
                var dot: Float = 0
                for c in 0..<64 { dot += row[c] * x[b, c] }
                #expect(abs(exact[b, r] - dot) <= 1e-3 * max(1, abs(dot)))
                // 8-bit activations: error bounded by half a step per element times the weights' size.
                let bound: Float = type == .f32 || type == .f16 ? 1e-3 : 0.02 * max(1, abs(dot)) + 0.05
                #expect(abs(y[b, r] - dot) <= bound, "\(type.name): \(y[b, r]) vs \(dot)")
            }
        }
    }

    @Test("results do not depend on the thread count")
    func threadIndependence() {
        let w = randomMatrix(.q4_1, rows: 257, columns: 128, seed: 5)
        let x = randomActivations(rows: 6, columns: 128, seed: 6)
        let q = QuantizedActivations(capacity: 6, columns: 128)
        q.quantize(x, rows: 6)
        var outputs: [[Float]] = []
        for threads in [1, 2, 3, 5] {
            let y = FloatMatrix(rows: 6, columns: 257)
            MatMul.multiply(w, q, into: y, pool: ThreadPool(threads: threads))
            outputs.append((0..<6).flatMap { y.rowArray($0) })
        }
        #expect(outputs.allSatisfy { $0 == outputs[0] })
    }

    @Test("three products in one parallel loop equal three separate ones, for any batch and thread count")
    func fused() {
        let a = randomMatrix(.q4_1, rows: 20, columns: 64, seed: 11), b = randomMatrix(.q8_0, rows: 7, columns: 64, seed: 12)
        let c = randomMatrix(.q4_0, rows: 13, columns: 64, seed: 13)
        for batch in [1, 2, 5] {
            let x = randomActivations(rows: batch, columns: 64, seed: 14)
            let q = QuantizedActivations(capacity: batch, columns: 64)
            q.quantize(x, rows: batch)
            let separate = [a, b, c].map { w in
                let y = FloatMatrix(rows: batch, columns: w.rows)
                MatMul.multiply(w, q, into: y, pool: ThreadPool(threads: 1))
                return (0..<batch).flatMap { y.rowArray($0) }
            }
            for threads in [1, 3] {
                let ya = FloatMatrix(rows: batch, columns: 20), yb = FloatMatrix(rows: batch, columns: 7)
                let yc = FloatMatrix(rows: batch, columns: 13)
                MatMul.multiply((a, ya), (b, yb), (c, yc), input: q, pool: ThreadPool(threads: threads))
                #expect([ya, yb, yc].map { y in (0..<batch).flatMap { y.rowArray($0) } } == separate)
            }
        }
    }

    /// Bit patterns of every product of each weight type with `q`: equal products mean equal quants, scales,
    /// sums and (for eight rows or more) lane tiles.
    static func productBits(_ q: QuantizedActivations, columns: Int) -> [[UInt32]] {
        [TensorType.q4_0, .q4_1, .q8_0].map { type in
            let w = randomMatrix(type, rows: 6, columns: columns, seed: 21)
            let y = FloatMatrix(rows: q.rows, columns: 6)
            MatMul.multiply(w, q, into: y, pool: ThreadPool(threads: 1))
            return (0..<q.rows).flatMap { y.rowArray($0).map(\.bitPattern) }
        }
    }

    @Test("quantizing in parts (rows and blocks, any order) equals quantizing whole rows", arguments: [1, 8, 13])
    func quantizeInParts(batch: Int) {
        let x = randomActivations(rows: batch, columns: 96, seed: 15)
        let whole = QuantizedActivations(capacity: 16, columns: 96)
        whole.quantize(x, rows: batch)
        let parts = QuantizedActivations(capacity: 16, columns: 96)
        parts.prepare(x, rows: batch)
        for block in [2, 0, 1] {
            parts.quantize(rows: (batch / 2)..<batch, blocks: block..<(block + 1))
            parts.quantize(rows: 0..<(batch / 2), blocks: block..<(block + 1))
        }
        #expect(Self.productBits(parts, columns: 96) == Self.productBits(whole, columns: 96))
        #expect(Self.productBits(parts, columns: 96).allSatisfy { $0.contains { $0 != 0 } })
    }

    @Test("the fused gate/up loop equals the two products, SwiGLU and quantization bit for bit",
          arguments: [1, 3, 8, 11])
    func gatedUnit(batch: Int) {
        let gateWeights = randomMatrix(.q4_1, rows: 96, columns: 64, seed: 16)
        let upWeights = randomMatrix(.q4_1, rows: 96, columns: 64, seed: 17)
        let x = randomActivations(rows: batch, columns: 64, seed: 18)
        let q = QuantizedActivations(capacity: batch, columns: 64)
        q.quantize(x, rows: batch)
        let gate = FloatMatrix(rows: batch, columns: 96), up = FloatMatrix(rows: batch, columns: 96)
        MatMul.multiply((gateWeights, gate), (upWeights, up), input: q, pool: ThreadPool(threads: 1))
        VectorOps.swiGLU(gate: gate, up: up, rows: batch)
        let hidden = QuantizedActivations(capacity: batch, columns: 96)
        hidden.quantize(gate, rows: batch)
        for threads in [1, 3] {
            let fusedGate = FloatMatrix(rows: batch, columns: 96), fusedUp = FloatMatrix(rows: batch, columns: 96)
            let fusedHidden = QuantizedActivations(capacity: batch, columns: 96)
            MatMul.gatedUnit(gate: (gateWeights, fusedGate), up: (upWeights, fusedUp), input: q, into: fusedHidden,
                             pool: ThreadPool(threads: threads))
            for b in 0..<batch {
                #expect(fusedGate.rowArray(b).map(\.bitPattern) == gate.rowArray(b).map(\.bitPattern), "row \(b)")
            }
            #expect(Self.productBits(fusedHidden, columns: 96) == Self.productBits(hidden, columns: 96))
        }
    }

    @Test("8-bit activation quantization is within half a step of each value")
    func activationQuantization() {
        let x = randomActivations(rows: 2, columns: 64, seed: 9)
        x[1, 5] = 0
        let q = QuantizedActivations(capacity: 2, columns: 64)
        q.quantize(x, rows: 2)
        for r in 0..<2 {
            for block in 0..<2 {
                var maximum: Float = 0
                for c in (block * 32)..<(block * 32 + 32) { maximum = max(maximum, abs(x[r, c])) }
                for c in (block * 32)..<(block * 32 + 32) {
                    #expect(abs(q.value(row: r, column: c) - x[r, c]) <= maximum / 127 * 0.5 + 1e-3)
                }
            }
        }
        let zeros = FloatMatrix(rows: 1, columns: 32)
        q.quantize(zeros, rows: 1)
        #expect(q.value(row: 0, column: 3) == 0)
    }
}

extension FloatMatrix {
    /// A one-row matrix holding row `row` of `source`.
    convenience init(copying source: FloatMatrix, row: Int) {
        self.init(rows: 1, columns: source.columns)
        setRow(0, source.rowArray(row))
    }
}

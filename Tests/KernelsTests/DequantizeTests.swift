import Foundation
@testable import Kernels
import Testing

/// Little-endian bytes of values, for building ggml blocks by hand.
func halfBytes(_ value: Float) -> [UInt8] {
    let bits = Float16(value).bitPattern
    return [UInt8(bits & 0xff), UInt8(bits >> 8)]
}

@Suite("Dequantization of hand-built ggml blocks")
struct DequantizeTests {
    @Test("F32 and F16 rows")
    func floats() {
        let values: [Float] = [1.5, -2.25, 0, 65504]
        let f32 = values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        #expect(Dequantize.row(.f32, bytes: f32, count: 4) == values)
        #expect(Dequantize.row(.f16, bytes: values.flatMap(halfBytes), count: 4) == values)
    }

    @Test("Q8_0: value = q · d")
    func q8_0() {
        let quants: [Int8] = (0..<32).map { Int8($0 * 8 - 127) }
        let block = halfBytes(0.5) + quants.map { UInt8(bitPattern: $0) }
        #expect(block.count == TensorType.q8_0.bytesPerBlock)
        #expect(Dequantize.row(.q8_0, bytes: block, count: 32) == quants.map { Float($0) * 0.5 })
    }

    @Test("Q4_0: low nibbles are elements 0–15, high nibbles 16–31, value = (nibble − 8) · d")
    func q4_0() {
        let nibbles: [UInt8] = (0..<32).map { UInt8($0 % 16) }
        let packed = (0..<16).map { nibbles[$0] | (nibbles[$0 + 16] << 4) }
        let block = halfBytes(2) + packed
        #expect(block.count == TensorType.q4_0.bytesPerBlock)
        #expect(Dequantize.row(.q4_0, bytes: block, count: 32) == nibbles.map { (Float($0) - 8) * 2 })
    }

    @Test("Q4_1: value = nibble · d + m")
    func q4_1() {
        let nibbles: [UInt8] = (0..<32).map { UInt8((31 - $0) % 16) }
        let packed = (0..<16).map { nibbles[$0] | (nibbles[$0 + 16] << 4) }
        let block = halfBytes(0.25) + halfBytes(-1) + packed
        #expect(block.count == TensorType.q4_1.bytesPerBlock)
        #expect(Dequantize.row(.q4_1, bytes: block, count: 32) == nibbles.map { Float($0) * 0.25 - 1 })
    }

    @Test("two blocks in a row use their own scales")
    func twoBlocks() {
        let first = halfBytes(1) + [UInt8](repeating: 0x21, count: 16)   // low 1, high 2
        let second = halfBytes(3) + [UInt8](repeating: 0x00, count: 16)
        let values = Dequantize.row(.q4_0, bytes: first + second, count: 64)
        #expect(values[0] == -7 && values[16] == -6 && values[32] == -24)
    }

    @Test("row sizes and type names")
    func sizes() {
        #expect(TensorType.q4_1.rowByteCount(elements: 576) == 360)
        #expect(TensorType.q8_0.rowByteCount(elements: 33) == nil)
        #expect(TensorType.ggmlName(13) == "Q5_K")
        #expect(TensorType.ggmlName(99) == "type 99")
    }
}

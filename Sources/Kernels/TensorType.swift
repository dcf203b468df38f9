/// The ggml tensor element types Gait can compute with, with ggml's block layouts
/// (ggml/src/ggml-common.h: `block_q4_0`, `block_q4_1`, `block_q8_0`).
///
/// - `f32`: one little-endian IEEE float per element.
/// - `f16`: one little-endian IEEE half per element.
/// - `q4_0`: blocks of 32 elements, 18 bytes: half scale `d`, then 16 bytes of 4-bit values; byte `j` holds
///   element `j` in its low nibble and element `j + 16` in its high nibble; value = (nibble − 8) · d.
/// - `q4_1`: blocks of 32, 20 bytes: half `d`, half `m`, 16 bytes of nibbles as in `q4_0`; value = nibble · d + m.
/// - `q8_0`: blocks of 32, 34 bytes: half `d`, 32 signed bytes; value = q · d.
public enum TensorType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q8_0 = 8

    /// Elements per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16: 1
        case .q4_0, .q4_1, .q8_0: 32
        }
    }

    /// Bytes per block.
    public var bytesPerBlock: Int {
        switch self {
        case .f32: 4
        case .f16: 2
        case .q4_0: 18
        case .q4_1: 20
        case .q8_0: 34
        }
    }

    /// ggml's name of the type (`Q4_1`, `F16`…).
    public var name: String { Self.ggmlName(rawValue) }

    /// Bytes needed for a row of `elements` values, or nil when `elements` is not a whole number of blocks.
    public func rowByteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: bytesPerBlock)
        return overflow ? nil : bytes
    }

    /// ggml's name for a type id, including the types Gait does not compute with (for error messages).
    /// Source: `ggml_type` in ggml/include/ggml.h.
    public static func ggmlName(_ id: UInt32) -> String {
        let names: [UInt32: String] = [
            0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
            10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS",
            17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS",
            24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16", 34: "TQ1_0",
            35: "TQ2_0", 39: "MXFP4",
        ]
        return names[id] ?? "type \(id)"
    }
}

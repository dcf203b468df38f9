/// One metadata value of a GGUF file (the GGUF specification's `gguf_metadata_value_type`).
public enum GGUFValue: Sendable, Hashable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    indirect case array([GGUFValue])

    /// The GGUF type name (`uint32`, `string`, `array`…).
    public var typeName: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .uint64: "uint64"
        case .int64: "int64"
        case .float32: "float32"
        case .float64: "float64"
        case .bool: "bool"
        case .string: "string"
        case .array: "array"
        }
    }

    /// The value as an integer, when it is one of the integer types and fits.
    public var integer: Int? {
        switch self {
        case let .uint8(v): Int(v)
        case let .int8(v): Int(v)
        case let .uint16(v): Int(v)
        case let .int16(v): Int(v)
        case let .uint32(v): Int(v)
        case let .int32(v): Int(v)
        case let .uint64(v): Int(exactly: v)
        case let .int64(v): Int(v)
        default: nil
        }
    }

    /// The value as a floating-point number, when it is numeric.
    public var number: Double? {
        switch self {
        case let .float32(v): Double(v)
        case let .float64(v): v
        default: integer.map(Double.init)
        }
    }

    /// A short human-readable rendering (arrays summarized by their length).
    public var summary: String {
        switch self {
        case let .string(s): s.count > 60 ? "\"\(s.prefix(57))…\" (\(s.count) characters)" : "\"\(s)\""
        case let .array(items): "[\(items.first?.typeName ?? "empty") × \(items.count)]"
        case let .bool(b): String(b)
        case let .float32(v): String(v)
        case let .float64(v): String(v)
        default: integer.map(String.init) ?? typeName
        }
    }
}

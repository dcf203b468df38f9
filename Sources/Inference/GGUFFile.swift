import Foundation
import Kernels

/// A GGUF file (versions 2 and 3), memory-mapped: its metadata, its tensor table and views of its tensors.
///
/// Follows the GGUF specification (ggml/docs/gguf.md): header (magic `GGUF`, version, tensor count, metadata
/// count), metadata key–value pairs, tensor infos (name, dimensions, ggml type, offset), padding to
/// `general.alignment` (default 32), then tensor data. Every read is bounds-checked; a truncated or corrupt
/// file is refused with the byte offset and what was expected there.
public struct GGUFFile: Sendable {
    /// One tensor of the table.
    public struct TensorInfo: Sendable, Hashable {
        public let name: String
        /// ggml order: `dimensions[0]` is the length of a row.
        public let dimensions: [Int]
        /// The ggml type id; `type` is nil when Gait cannot compute with it.
        public let typeID: UInt32
        public let type: TensorType?
        /// Absolute byte offset of the data in the file.
        public let offset: Int
        /// Where the tensor's info starts in the file (for error messages).
        public let infoOffset: Int

        public var elementCount: Int { dimensions.reduce(1, *) }
        public var typeName: String { TensorType.ggmlName(typeID) }
    }

    /// One metadata entry with the byte offset of its value.
    public struct Entry: Sendable, Hashable {
        public let key: String
        public let value: GGUFValue
        public let offset: Int
    }

    public let url: URL
    public let version: UInt32
    /// Metadata in file order.
    public let entries: [Entry]
    /// Tensors in file order.
    public let tensors: [TensorInfo]
    public let alignment: Int
    /// Where tensor data starts.
    public let dataOffset: Int
    public let file: MappedFile
    private let entryIndex: [String: Int]
    private let tensorIndex: [String: Int]

    /// The file's size in bytes.
    public var byteCount: Int { file.count }

    /// Maps and parses the file at `url`.
    /// - Throws: `InferenceError.malformedFile` with the byte offset of the first problem, or the mapping error.
    public init(url: URL) throws {
        let file: MappedFile
        do { file = try MappedFile(url: url) } catch let error as MappedFile.Error {
            throw InferenceError.fetch("cannot open model \(error.path): \(error.reason)")
        }
        try self.init(file: file)
    }

    /// Parses an already mapped file.
    public init(file: MappedFile) throws {
        var parser = Parser(reader: file.reader(), path: file.url.path)
        let magic = try parser.u32("the magic number \"GGUF\"")
        guard magic == 0x4655_4747 else {
            throw parser.error(at: 0, "not a GGUF file: magic is 0x\(String(magic, radix: 16)), expected 0x46554747 (\"GGUF\")")
        }
        let version = try parser.u32("the format version")
        guard version == 2 || version == 3 else {
            throw parser.error(at: 4, "GGUF version \(version) is not supported (versions 2 and 3 are)")
        }
        let tensorCount = try parser.count("the tensor count", minimumBytesEach: 24)
        let entryCount = try parser.count("the metadata count", minimumBytesEach: 13)
        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        var entryIndex: [String: Int] = [:]
        for _ in 0..<entryCount {
            let keyOffset = parser.reader.offset
            let key = try parser.string("a metadata key")
            let type = try parser.u32("the value type of metadata key '\(key)'")
            let valueOffset = parser.reader.offset
            let value = try parser.value(type: type, key: key, typeOffset: valueOffset - 4, depth: 0)
            if entryIndex[key] != nil {
                throw parser.error(at: keyOffset, "duplicate metadata key '\(key)'")
            }
            entryIndex[key] = entries.count
            entries.append(Entry(key: key, value: value, offset: valueOffset))
        }
        var alignment = 32
        if let index = entryIndex["general.alignment"] {
            let entry = entries[index]
            guard case let .uint32(value) = entry.value, value > 0, value & (value - 1) == 0 else {
                throw parser.error(at: entry.offset,
                                   "general.alignment must be a power of two uint32, found \(entry.value.typeName) \(entry.value.summary)")
            }
            alignment = Int(value)
        }
        var infos: [(name: String, dims: [Int], type: UInt32, relative: UInt64, at: Int)] = []
        infos.reserveCapacity(tensorCount)
        var tensorIndex: [String: Int] = [:]
        for _ in 0..<tensorCount {
            let at = parser.reader.offset
            let name = try parser.string("a tensor name")
            let dimsOffset = parser.reader.offset
            let rank = try parser.u32("the dimension count of tensor '\(name)'")
            guard (1...4).contains(rank) else {
                throw parser.error(at: dimsOffset, "tensor '\(name)' has \(rank) dimensions, expected 1 to 4")
            }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(rank) {
                let dimOffset = parser.reader.offset
                let raw = try parser.u64("dimension \(d) of tensor '\(name)'")
                guard raw > 0, raw < (1 << 40), case let (product, false) = elements.multipliedReportingOverflow(by: Int(raw)),
                      product < (1 << 42) else {
                    throw parser.error(at: dimOffset, "tensor '\(name)' has an impossible dimension \(raw)")
                }
                elements = product
                dims.append(Int(raw))
            }
            let type = try parser.u32("the type of tensor '\(name)'")
            let offsetAt = parser.reader.offset
            let relative = try parser.u64("the data offset of tensor '\(name)'")
            guard relative % UInt64(alignment) == 0 else {
                throw parser.error(at: offsetAt, "tensor '\(name)' data offset \(relative) is not a multiple of the alignment \(alignment)")
            }
            if tensorIndex[name] != nil { throw parser.error(at: at, "duplicate tensor '\(name)'") }
            tensorIndex[name] = infos.count
            infos.append((name, dims, type, relative, at))
        }
        let end = parser.reader.offset
        let dataOffset = (end + alignment - 1) / alignment * alignment
        var tensors: [TensorInfo] = []
        for info in infos {
            let type = TensorType(rawValue: info.type)
            guard info.relative <= UInt64(file.count) else {
                throw parser.error(at: file.count, "tensor '\(info.name)' starts at data offset \(info.relative), past the end of the file (\(file.count))")
            }
            let start = UInt64(dataOffset) + info.relative
            if let type {
                guard let rowBytes = type.rowByteCount(elements: info.dims[0]) else {
                    throw parser.error(at: info.at, "tensor '\(info.name)' rows of \(info.dims[0]) elements are not whole \(type.name) blocks of \(type.blockSize)")
                }
                let size = UInt64(rowBytes) * UInt64(info.dims.dropFirst().reduce(1, *))
                guard start + size <= UInt64(file.count) else {
                    throw parser.error(at: file.count,
                                       "tensor '\(info.name)' (\(type.name), \(info.dims.map(String.init).joined(separator: "×"))) needs bytes \(start)..<\(start + size), but the file ends at \(file.count)")
                }
            } else if start > UInt64(file.count) {
                throw parser.error(at: file.count, "tensor '\(info.name)' starts at byte \(start), past the end of the file (\(file.count))")
            }
            tensors.append(TensorInfo(name: info.name, dimensions: info.dims, typeID: info.type, type: type,
                                      offset: Int(start), infoOffset: info.at))
        }
        self.url = file.url
        self.version = version
        self.entries = entries
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.file = file
        self.entryIndex = entryIndex
        self.tensorIndex = tensorIndex
    }

    // MARK: - Metadata

    /// The metadata value for `key`, or nil.
    public func value(_ key: String) -> GGUFValue? {
        entryIndex[key].map { entries[$0].value }
    }

    private func entry(_ key: String) throws -> Entry {
        guard let index = entryIndex[key] else {
            throw InferenceError.unsupportedModel(path: url.path, message: "missing metadata key '\(key)'")
        }
        return entries[index]
    }

    private func wrongType(_ entry: Entry, expected: String) -> InferenceError {
        .malformedFile(path: url.path, offset: entry.offset,
                       message: "metadata key '\(entry.key)' is \(entry.value.typeName), expected \(expected)")
    }

    /// A required string value.
    public func string(_ key: String) throws -> String {
        let entry = try entry(key)
        guard case let .string(s) = entry.value else { throw wrongType(entry, expected: "a string") }
        return s
    }

    /// A required integer value (any integer type).
    public func integer(_ key: String) throws -> Int {
        let entry = try entry(key)
        guard let v = entry.value.integer else { throw wrongType(entry, expected: "an integer") }
        return v
    }

    /// A required number (any numeric type).
    public func number(_ key: String) throws -> Double {
        let entry = try entry(key)
        guard let v = entry.value.number else { throw wrongType(entry, expected: "a number") }
        return v
    }

    /// A required array of strings.
    public func strings(_ key: String) throws -> [String] {
        let entry = try entry(key)
        guard case let .array(items) = entry.value else { throw wrongType(entry, expected: "an array of strings") }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard case let .string(s) = item else { throw wrongType(entry, expected: "an array of strings") }
            out.append(s)
        }
        return out
    }

    /// A required array of integers.
    public func integers(_ key: String) throws -> [Int] {
        let entry = try entry(key)
        guard case let .array(items) = entry.value else { throw wrongType(entry, expected: "an array of integers") }
        var out: [Int] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let v = item.integer else { throw wrongType(entry, expected: "an array of integers") }
            out.append(v)
        }
        return out
    }

    // MARK: - Tensors

    /// The tensor named `name`, or nil.
    public func tensor(_ name: String) -> TensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    private func requiredTensor(_ name: String) throws -> (TensorInfo, TensorType) {
        guard let info = tensor(name) else {
            throw InferenceError.unsupportedModel(path: url.path, message: "missing tensor '\(name)'")
        }
        guard let type = info.type else {
            throw InferenceError.unsupportedModel(
                path: url.path,
                message: "tensor '\(name)' has type \(info.typeName), which Gait cannot compute with (supported: \(TensorType.allCases.map(\.name).joined(separator: ", ")))")
        }
        return (info, type)
    }

    /// The 2-D tensor `name` as a weight matrix of `rows × columns`.
    /// - Throws: when it is missing, of an unsupported type, or of another shape.
    public func matrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix {
        let (info, type) = try requiredTensor(name)
        let expected = [columns, rows]
        guard info.dimensions == expected || info.dimensions == expected + [1] else {
            throw InferenceError.unsupportedModel(
                path: url.path,
                message: "tensor '\(name)' has shape \(info.dimensions.map(String.init).joined(separator: "×")), expected \(columns)×\(rows)")
        }
        return WeightMatrix(file: file, offset: info.offset, type: type, rows: rows, columns: columns)
    }

    /// The 1-D tensor `name` of `count` elements, as floats.
    public func vector(_ name: String, count: Int) throws -> [Float] {
        let (info, type) = try requiredTensor(name)
        guard info.elementCount == count, info.dimensions[0] == count else {
            throw InferenceError.unsupportedModel(
                path: url.path,
                message: "tensor '\(name)' has shape \(info.dimensions.map(String.init).joined(separator: "×")), expected \(count)")
        }
        return WeightMatrix(file: file, offset: info.offset, type: type, rows: 1, columns: count).dequantizedRow(0)
    }
}

/// The bounds-checked reading of the header, metadata and tensor table.
private struct Parser {
    var reader: ByteReader
    let path: String

    func error(at offset: Int, _ message: String) -> InferenceError {
        .malformedFile(path: path, offset: offset, message: message)
    }

    func truncated(_ what: String, needs: Int) -> InferenceError {
        error(at: reader.offset, "truncated: expected \(what) (\(needs) bytes), but the file ends at byte \(reader.file.count)")
    }

    mutating func u32(_ what: String) throws -> UInt32 {
        guard let v = reader.readUInt32() else { throw truncated(what, needs: 4) }
        return v
    }

    mutating func u64(_ what: String) throws -> UInt64 {
        guard let v = reader.readUInt64() else { throw truncated(what, needs: 8) }
        return v
    }

    /// A u64 count of things each taking at least `minimumBytesEach` bytes: refused when the rest of the
    /// file cannot hold that many (so a corrupt count never allocates or loops for long).
    mutating func count(_ what: String, minimumBytesEach: Int) throws -> Int {
        let at = reader.offset
        let raw = try u64(what)
        guard raw <= UInt64(max(reader.remaining, 0) / minimumBytesEach) else {
            throw error(at: at, "\(what) \(raw) needs at least \(raw.multipliedReportingOverflow(by: UInt64(minimumBytesEach)).partialValue) more bytes, but only \(reader.remaining) follow (truncated or corrupt)")
        }
        return Int(raw)
    }

    mutating func string(_ what: String) throws -> String {
        let at = reader.offset
        let length = try u64("the length of \(what)")
        guard length <= UInt64(max(reader.remaining, 0)) else {
            throw error(at: at, "truncated: \(what) of \(length) bytes, but only \(reader.remaining) bytes follow")
        }
        guard let s = reader.readString(byteCount: Int(length)) else { throw truncated(what, needs: Int(length)) }
        return s
    }

    mutating func value(type: UInt32, key: String, typeOffset: Int, depth: Int) throws -> GGUFValue {
        let what = "the value of '\(key)'"
        switch type {
        case 0: guard let v = reader.readUInt8() else { throw truncated(what, needs: 1) }; return .uint8(v)
        case 1: guard let v = reader.readInt8() else { throw truncated(what, needs: 1) }; return .int8(v)
        case 2: guard let v = reader.readUInt16() else { throw truncated(what, needs: 2) }; return .uint16(v)
        case 3: guard let v = reader.readInt16() else { throw truncated(what, needs: 2) }; return .int16(v)
        case 4: return .uint32(try u32(what))
        case 5: guard let v = reader.readInt32() else { throw truncated(what, needs: 4) }; return .int32(v)
        case 6: guard let v = reader.readFloat32() else { throw truncated(what, needs: 4) }; return .float32(v)
        case 7:
            let at = reader.offset
            guard let v = reader.readUInt8() else { throw truncated(what, needs: 1) }
            guard v <= 1 else { throw error(at: at, "bool value of '\(key)' is \(v), expected 0 or 1") }
            return .bool(v == 1)
        case 8: return .string(try string(what))
        case 9:
            guard depth < 4 else { throw error(at: typeOffset, "arrays nested deeper than 4 levels in '\(key)'") }
            let elementType = try u32("the element type of array '\(key)'")
            let minimum: Int
            switch elementType {
            case 0, 1, 7: minimum = 1
            case 2, 3: minimum = 2
            case 4, 5, 6: minimum = 4
            case 8, 10, 11, 12: minimum = 8
            case 9: minimum = 12
            default:
                throw error(at: reader.offset - 4, "unknown element type \(elementType) of array '\(key)' (known: 0–12)")
            }
            let count = try self.count("the element count of array '\(key)'", minimumBytesEach: minimum)
            var items: [GGUFValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                items.append(try value(type: elementType, key: key, typeOffset: typeOffset, depth: depth + 1))
            }
            return .array(items)
        case 10: return .uint64(try u64(what))
        case 11: guard let v = reader.readInt64() else { throw truncated(what, needs: 8) }; return .int64(v)
        case 12: guard let v = reader.readFloat64() else { throw truncated(what, needs: 8) }; return .float64(v)
        default:
            throw error(at: typeOffset, "unknown value type \(type) of metadata key '\(key)' (known: 0–12)")
        }
    }
}

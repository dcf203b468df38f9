/// A read-only view of a weight matrix inside a memory-mapped model file: `rows` rows of `columns`
/// elements of one `TensorType`, rows stored one after the other (ggml's `ne[0]` is `columns`).
public struct WeightMatrix: @unchecked Sendable {
    // Sendable: the bytes are a read-only file mapping kept alive by `file`.

    public let type: TensorType
    public let rows: Int
    public let columns: Int
    /// Bytes from one row to the next.
    public let rowBytes: Int
    let base: UnsafeRawPointer
    let file: MappedFile?
    let owned: OwnedBytes?

    /// A view of `rows × columns` elements of `type` at byte `offset` of `file`.
    /// The caller (the GGUF reader) has checked that the bytes are inside the file; this checks again.
    public init(file: MappedFile, offset: Int, type: TensorType, rows: Int, columns: Int) {
        let rowBytes = type.rowByteCount(elements: columns) ?? 0
        precondition(rowBytes > 0 || columns == 0, "\(columns) columns are not whole \(type.name) blocks")
        precondition(offset >= 0 && offset + rowBytes * rows <= file.count, "tensor outside the file")
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
        self.file = file
        self.owned = nil
        self.base = (file.base ?? UnsafeRawPointer(bitPattern: 64)!) + offset
    }

    /// A matrix over a copy of `bytes` (tests and tensors built in memory).
    public init(bytes: [UInt8], type: TensorType, rows: Int, columns: Int) {
        let rowBytes = type.rowByteCount(elements: columns) ?? 0
        precondition(bytes.count >= rowBytes * rows, "\(bytes.count) bytes are too few for \(rows)×\(columns) \(type.name)")
        let owned = OwnedBytes(bytes)
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
        self.file = nil
        self.owned = owned
        self.base = UnsafeRawPointer(owned.pointer)
    }

    /// Row `row` as floats.
    public func dequantizedRow(_ row: Int) -> [Float] {
        precondition(row >= 0 && row < rows)
        var out = [Float](repeating: 0, count: columns)
        out.withUnsafeMutableBufferPointer { buffer in
            if let destination = buffer.baseAddress {
                Dequantize.row(type, from: base + row * rowBytes, count: columns, into: destination)
            }
        }
        return out
    }

    /// Writes row `row` as floats into row `destinationRow` of `destination`.
    public func dequantizeRow(_ row: Int, into destination: FloatMatrix, row destinationRow: Int) {
        precondition(row >= 0 && row < rows && destination.columns == columns)
        Dequantize.row(type, from: base + row * rowBytes, count: columns, into: destination.row(destinationRow))
    }

    /// The raw bytes of row `row`.
    public func rowBytes(_ row: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + row * rowBytes, count: rowBytes)
    }
}

/// Heap bytes owned by a matrix built in memory.
final class OwnedBytes: @unchecked Sendable {
    // Sendable: written once in init, read-only afterwards.
    let pointer: UnsafeMutableRawPointer
    init(_ bytes: [UInt8]) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { pointer.copyMemory(from: base, byteCount: bytes.count) }
        }
    }
    deinit { pointer.deallocate() }
}

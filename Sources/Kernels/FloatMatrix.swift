/// An owned, 64-byte aligned, row-major matrix of floats: the activations and scratch buffers of the engine.
///
/// A reference type so that scratch buffers are allocated once and reused for every token.
public final class FloatMatrix: @unchecked Sendable {
    // Sendable: kernels write disjoint row ranges from different threads; callers never share one matrix
    // between concurrent forward passes.

    public let rows: Int
    public let columns: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// A zero-filled `rows × columns` matrix.
    public init(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0)
        self.rows = rows
        self.columns = columns
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(rows * columns, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(rows * columns, 1))
        pointer.initialize(repeating: 0, count: max(rows * columns, 1))
    }

    deinit { pointer.deallocate() }

    /// The first element of row `row`.
    @inline(__always)
    public func row(_ row: Int) -> UnsafeMutablePointer<Float> { pointer + row * columns }

    /// Element access (bounds are the caller's responsibility in release builds).
    @inline(__always)
    public subscript(row: Int, column: Int) -> Float {
        get { pointer[row * columns + column] }
        set { pointer[row * columns + column] = newValue }
    }

    /// A copy of row `row`.
    public func rowArray(_ row: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: self.row(row), count: columns))
    }

    /// Copies `values` into row `row`.
    public func setRow(_ row: Int, _ values: [Float]) {
        precondition(values.count == columns)
        values.withUnsafeBufferPointer { self.row(row).update(from: $0.baseAddress!, count: columns) }
    }

    /// Copies rows `0..<count` of `source` into rows starting at `destinationRow`.
    public func copyRows(from source: FloatMatrix, sourceRow: Int = 0, count: Int, to destinationRow: Int) {
        precondition(source.columns == columns)
        row(destinationRow).update(from: source.row(sourceRow), count: count * columns)
    }
}

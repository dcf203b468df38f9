/// Keys and values of past positions, per layer and per sequence slot, in f32.
///
/// Layout `[layer][slot][position][kvWidth]`. Candidates of one prompt each get a slot; the prompt's prefix
/// is computed once in slot 0 and copied to the others (`copyPrefix`).
public final class KVCache: @unchecked Sendable {
    // Sendable: one forward pass at a time writes it (the engine serializes them); attention threads only read.

    public let layers: Int
    public let slots: Int
    /// Positions per slot.
    public let capacity: Int
    /// Floats per position (KV heads × head width).
    public let width: Int
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>

    public init(layers: Int, slots: Int, capacity: Int, width: Int) {
        self.layers = layers
        self.slots = slots
        self.capacity = capacity
        self.width = width
        let count = max(layers * slots * capacity * width, 1)
        keys = .allocate(capacity: count)
        values = .allocate(capacity: count)
        // Untouched pages stay unmapped until a position is written, so a large capacity costs nothing upfront.
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// The byte size of the cache.
    public var byteCount: Int { 2 * 4 * layers * slots * capacity * width }

    @inline(__always)
    func offset(layer: Int, slot: Int, position: Int) -> Int {
        ((layer * slots + slot) * capacity + position) * width
    }

    /// Stores row `row` of `k` and `v` at `position` of `slot` in `layer`.
    public func store(layer: Int, slot: Int, position: Int, k: FloatMatrix, v: FloatMatrix, row: Int) {
        precondition(position < capacity && slot < slots && k.columns == width && v.columns == width)
        let o = offset(layer: layer, slot: slot, position: position)
        (keys + o).update(from: k.row(row), count: width)
        (values + o).update(from: v.row(row), count: width)
    }

    /// Copies positions `0..<count` of slot `source` to slot `destination`, in every layer.
    public func copyPrefix(from source: Int, to destination: Int, count: Int) {
        precondition(count <= capacity && source < slots && destination < slots)
        guard source != destination, count > 0 else { return }
        for layer in 0..<layers {
            let from = offset(layer: layer, slot: source, position: 0)
            let to = offset(layer: layer, slot: destination, position: 0)
            (keys + to).update(from: keys + from, count: count * width)
            (values + to).update(from: values + from, count: count * width)
        }
    }
}

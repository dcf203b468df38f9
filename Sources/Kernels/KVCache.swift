/// Keys and values of past positions, per layer and per sequence slot.
///
/// Layout `[layer][slot][position][kvWidth]`. Candidates of one prompt each get a slot; the prompt's prefix
/// is computed once in slot 0 and copied to the others (`copyPrefix`).
///
/// Elements are f16 by default, as llama.cpp's CPU backend stores its cache (`--cache-type-k/v f16`): that
/// rounding is part of the reference outputs, and it halves the cache's memory and the bytes attention reads.
/// An f32 cache serves as the exact reference.
public final class KVCache: @unchecked Sendable {
    // Sendable: one forward pass at a time writes it (the engine serializes them); attention threads only read.

    /// How keys and values are stored.
    public enum Element: Sendable, Hashable {
        /// IEEE half precision, rounded to nearest even (llama.cpp's default).
        case f16
        /// Single precision: no rounding.
        case f32

        /// Bytes per stored value.
        public var byteCount: Int { self == .f16 ? 2 : 4 }
    }

    public let layers: Int
    public let slots: Int
    /// Positions per slot.
    public let capacity: Int
    /// Values per position (KV heads × head width).
    public let width: Int
    public let element: Element
    let keys: UnsafeMutableRawPointer
    let values: UnsafeMutableRawPointer

    public init(layers: Int, slots: Int, capacity: Int, width: Int, element: Element = .f16) {
        precondition(width % 8 == 0, "cache width \(width) is not a multiple of 8")
        self.layers = layers
        self.slots = slots
        self.capacity = capacity
        self.width = width
        self.element = element
        let bytes = max(layers * slots * capacity * width, 1) * element.byteCount
        keys = .allocate(byteCount: bytes, alignment: 64)
        values = .allocate(byteCount: bytes, alignment: 64)
        // Untouched pages stay unmapped until a position is written, so a large capacity costs nothing upfront.
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// The byte size of the cache.
    public var byteCount: Int { 2 * element.byteCount * layers * slots * capacity * width }

    /// The element offset of `position` of `slot` in `layer`.
    @inline(__always)
    func offset(layer: Int, slot: Int, position: Int) -> Int {
        ((layer * slots + slot) * capacity + position) * width
    }

    /// Stores row `row` of `k` and `v` at `position` of `slot` in `layer` (rounded to the cache's element type).
    public func store(layer: Int, slot: Int, position: Int, k: FloatMatrix, v: FloatMatrix, row: Int) {
        precondition(position < capacity && slot < slots && k.columns == width && v.columns == width)
        let o = offset(layer: layer, slot: slot, position: position)
        switch element {
        case .f32:
            (keys.assumingMemoryBound(to: Float.self) + o).update(from: k.row(row), count: width)
            (values.assumingMemoryBound(to: Float.self) + o).update(from: v.row(row), count: width)
        case .f16:
            let kr = UnsafeRawPointer(k.row(row)), vr = UnsafeRawPointer(v.row(row))
            for c in stride(from: 0, to: width, by: 8) {
                Half.store8(kr.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self), to: keys + 2 * (o + c))
                Half.store8(vr.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self), to: values + 2 * (o + c))
            }
        }
    }

    /// Key `index` of `position` of `slot` in `layer`, as stored (for tests).
    public func key(layer: Int, slot: Int, position: Int, index: Int) -> Float {
        let o = offset(layer: layer, slot: slot, position: position) + index
        return element == .f32 ? keys.load(fromByteOffset: 4 * o, as: Float.self)
            : Float(Float16(bitPattern: keys.load(fromByteOffset: 2 * o, as: UInt16.self)))
    }

    /// Copies positions `0..<count` of slot `source` to slot `destination`, in every layer.
    public func copyPrefix(from source: Int, to destination: Int, count: Int) {
        precondition(count <= capacity && source < slots && destination < slots)
        guard source != destination, count > 0 else { return }
        let size = element.byteCount
        for layer in 0..<layers {
            let from = offset(layer: layer, slot: source, position: 0) * size
            let to = offset(layer: layer, slot: destination, position: 0) * size
            (keys + to).copyMemory(from: keys + from, byteCount: count * width * size)
            (values + to).copyMemory(from: values + from, byteCount: count * width * size)
        }
    }
}

/// Conversions between f32 vectors and IEEE half precision in memory (F16C's `vcvtph2ps`/`vcvtps2ph` on x86-64),
/// rounding to nearest even like ggml's `GGML_CPU_FP32_TO_FP16`.
enum Half {
    /// Eight halves at `p` as floats.
    @inline(__always)
    static func load8(_ p: UnsafeRawPointer) -> SIMD8<Float> {
        SIMD8<Float>(p.loadUnaligned(as: SIMD8<Float16>.self))
    }

    /// Stores `v` as eight halves at `p`.
    @inline(__always)
    static func store8(_ v: SIMD8<Float>, to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: SIMD8<Float16>(v), as: SIMD8<Float16>.self)
    }

    /// `v` rounded to half precision and back.
    @inline(__always)
    static func round8(_ v: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8<Float>(SIMD8<Float16>(v))
    }
}

#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif
#if canImport(Glibc)
import Glibc
#endif
import CPrefetch

/// Quantized products of weight rows with eight activation rows at a time on AVX-512 VNNI (in 256- and 512-bit
/// registers), for the batched decode of several candidates and for prompts.
///
/// This module alone is compiled for AVX-512 (F, BW, VL, VNNI); `Kernels` calls it only when `isSupported`
/// says the processor and the kernel allow it, so the binary still runs on any x86-64-v3 processor.
///
/// ggml's AVX2 products (`ggml_vec_dot_q4_1_q8_1`, `ggml_vec_dot_q8_0_q8_0`) keep eight lanes per activation
/// row, lane `j` summing the four byte products of elements `4j…4j+3` of a block (low nibbles are elements
/// 0…15, high nibbles 16…31), scale each block's integer lane sums by `d_w · d_x` with a fused multiply-add,
/// and add the lanes in `hsum_float_8`'s order at the end. Here a register holds lane `j` of all eight rows
/// instead (the activations are laid out for it, `[block][j mod 4][j / 4][row][4 bytes]`: lanes `j` and
/// `j + 4` side by side), against weight dword `j` broadcast to all eight, so:
/// - one `d_w · d_x` multiply per block serves all eight rows (instead of one per row pair and lane group),
/// - every lane still sums the same four byte products (`vpdpbusd` does not saturate) and is scaled and
///   accumulated block by block in the same order,
/// - the final lane sums are vertical adds in `hsum_float_8`'s order, eight rows at once,
/// so each result is bit for bit that of the AVX2 kernels and of ggml.
///
/// High nibbles are masked with `0xf0` rather than shifted, which makes their products 16 times larger; their
/// scale is `d_w · d_x / 16`, exact (a power of two, far from the subnormals), so `fma(d/16, 16p, acc)` rounds
/// exactly as `fma(d, p, acc)`. A 4-bit weight dword `j < 4` holds the low nibbles of lane `j` and the high
/// nibbles of lane `j + 4`, so Q4_0 and Q4_1 work on both lanes in one 512-bit register: one broadcast, one
/// mask, one `vpdpbusd`, one conversion and one fused multiply-add (scale `d_w · d_x` below, `/ 16` above) per
/// pair, half the instructions of two 256-bit ones. Signed Q8_0 weights are biased to unsigned (`w + 128`,
/// `vpdpbusd` takes unsigned × signed bytes) and each lane starts from `−128 · Σx` of its four activations: the
/// integer sum is exact, so nothing changes. Q8_0 pairs lanes too, its dwords `j` and `j + 4` permuted into the
/// two halves of one register: a block takes one load of weights where eight broadcasts took eight, and 512-bit
/// loads of activations and corrections (a fifth less time per block than eight 256-bit lanes).
public enum EightRowProducts {
    /// Whether this processor and operating system run AVX-512 F, BW, VL and VNNI code (Linux: the kernel
    /// lists a flag in /proc/cpuinfo only when it saves that register state).
    public static let isSupported: Bool = {
        #if arch(x86_64) && os(Linux)
        guard let file = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
            return ["avx512f", "avx512bw", "avx512vl", "avx512_vnni"].allSatisfy(flags.contains)
        }
        return false
        #else
        return false
        #endif
    }()

    /// How many rows ahead of the one being multiplied the weights are prefetched. A row of the default model
    /// is a few hundred bytes and takes a few hundred cycles here, so eight rows is about one memory latency
    /// ahead; the hardware prefetcher alone leaves the first loads of each block waiting on memory.
    public static let prefetchRows = 8

    /// The weight types these kernels take.
    public enum WeightType: Sendable {
        case q4_0
        case q4_1
        case q8_0
    }

    /// Bytes per block of eight activation rows in `quants` and in `corrections`: eight lanes of eight rows of
    /// four bytes (or one `Int32`).
    public static let tileBytes = 256

    #if arch(x86_64)
    /// For each weight row `r` in `rows`, the products with activation rows `first ..< first + 8`, written to
    /// `output[(first + k) · outputStride + r]`.
    ///
    /// - Parameters:
    ///   - weights: the first weight row; rows are `rowBytes` apart, `blocks` blocks of 32 each.
    ///   - quants: the eight rows' quants, `tileBytes` per block: four bytes of lane `j` of row `k` at
    ///     `laneOffset(j) + 4 · k`.
    ///   - scales: per block, the eight rows' scales `d_x` (eight floats).
    ///   - sums: per block, the eight rows' `s = d_x · Σq` (Q4_0 and Q4_1).
    ///   - corrections: per block, `−128 · Σ` of each lane's four quants as `Int32`, laid out as `quants` (Q8_0).
    @inline(never)
    public static func multiply(_ type: WeightType, weights: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
                                blocks: Int, quants: UnsafeRawPointer, scales: UnsafeRawPointer,
                                sums: UnsafeRawPointer, corrections: UnsafeRawPointer,
                                output: UnsafeMutablePointer<Float>, outputStride: Int, first: Int) {
        for r in rows {
            let row = weights + r * rowBytes
            gait_prefetch(row + prefetchRows * rowBytes, rowBytes)
            let s: SIMD8<Float>
            switch type {
            case .q4_0:
                s = nibbleRow(row, blockBytes: 18, offset: false, blocks: blocks, quants: quants, scales: scales,
                              sums: sums)
            case .q4_1:
                s = nibbleRow(row, blockBytes: 20, offset: true, blocks: blocks, quants: quants, scales: scales,
                              sums: sums)
            case .q8_0:
                s = byteRow(row, blocks: blocks, quants: quants, scales: scales, corrections: corrections)
            }
            for k in 0..<8 { output[(first + k) * outputStride + r] = s[k] }
        }
    }

    /// Where lane `j` of a block's tile starts: lanes `j` and `j + 4` are adjacent, one 512-bit register.
    @inlinable
    public static func laneOffset(_ j: Int) -> Int { 64 * (j % 4) + 32 * (j / 4) }

    /// The half at `offset` as eight floats: broadcast as a half and converted once (two instructions where a
    /// scalar conversion and a broadcast take four).
    @inline(__always)
    static func halves(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        _mm256_cvtph_ps(_mm_set1_epi16(p.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
    }

    @inline(__always)
    static func load(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func loadInt(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD4<Int64> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD4<Int64>.self)
    }

    @inline(__always)
    static func loadInt512(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD8<Int64> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int64>.self)
    }

    /// One Q4_0 or Q4_1 row (Q4_0 as Q4_1 with `m = −8d`, exact) against the eight activation rows. Register
    /// `a_k` holds the running sums of lane `k` (low half) and lane `k + 4` (high half) of the eight rows.
    @inline(__always)
    static func nibbleRow(_ row: UnsafeRawPointer, blockBytes: Int, offset: Bool, blocks: Int,
                          quants: UnsafeRawPointer, scales: UnsafeRawPointer, sums: UnsafeRawPointer) -> SIMD8<Float> {
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        var o = SIMD8<Float>()
        let zero = _mm512_setzero_si512()
        // Low nibbles for the lower lane of a pair, high nibbles (16 times their value) for the upper one.
        let mask = unsafeBitCast(SIMD64<UInt8>(lowHalf: SIMD32(repeating: 0x0f), highHalf: SIMD32(repeating: 0xf0)),
                                 to: SIMD8<Int64>.self)
        let sixteenth = SIMD8<Float>(repeating: 0.0625)
        let nibbleOffset = offset ? 4 : 2
        for i in 0..<blocks {
            let p = row + i * blockBytes
            let d = halves(p, 0)
            let m = offset ? halves(p, 2) : -8 * d
            let ds = d * load(scales, i * 32)
            let scale = SIMD16<Float>(lowHalf: ds, highHalf: ds * sixteenth)
            o = o.addingProduct(m, load(sums, i * 32))
            let x = quants + i * 256
            @inline(__always)
            func step(_ k: Int, _ acc: inout SIMD16<Float>) {
                let packed = _mm512_set1_epi32(p.loadUnaligned(fromByteOffset: nibbleOffset + 4 * k, as: Int32.self))
                let product = _mm512_dpbusd_epi32(zero, _mm512_and_si512(packed, mask), loadInt512(x, 64 * k))
                acc = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(product), acc)
            }
            step(0, &a0)
            step(1, &a1)
            step(2, &a2)
            step(3, &a3)
        }
        // `hsum_float_8`'s order for eight rows at once: (a_0 + a_4) + (a_2 + a_6), (a_1 + a_5) + (a_3 + a_7).
        let b0 = pairSum(a0), b1 = pairSum(a1), b2 = pairSum(a2), b3 = pairSum(a3)
        return ((b0 + b2) + (b1 + b3)) + o
    }

    /// The low half of `a` plus its high half (one permute and an add: the standard library's `lowHalf` and
    /// `highHalf` go element by element).
    @inline(__always)
    static func pairSum(_ a: SIMD16<Float>) -> SIMD8<Float> {
        let swapped = _mm512_permutexvar_ps(_mm512_set_epi32(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8), a)
        return _mm512_castps512_ps256(a) + _mm512_castps512_ps256(swapped)
    }

    /// One Q8_0 row against the eight activation rows. As in `nibbleRow`, register `a_k` holds lanes `k` and
    /// `k + 4`: the block's 32 weights are biased once and permuted so that dword `k` fills the lower half and
    /// dword `k + 4` the upper, and each pair starts from the two lanes' `−128 · Σx` corrections (one load).
    @inline(__always)
    static func byteRow(_ row: UnsafeRawPointer, blocks: Int, quants: UnsafeRawPointer, scales: UnsafeRawPointer,
                        corrections: UnsafeRawPointer) -> SIMD8<Float> {
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        let bias = _mm256_set1_epi8(-128)
        @inline(__always)
        func pairIndex(_ k: Int32) -> SIMD8<Int64> {
            _mm512_set_epi32(k + 4, k + 4, k + 4, k + 4, k + 4, k + 4, k + 4, k + 4, k, k, k, k, k, k, k, k)
        }
        let i0 = pairIndex(0), i1 = pairIndex(1), i2 = pairIndex(2), i3 = pairIndex(3)
        for i in 0..<blocks {
            let p = row + i * 34
            let ds = halves(p, 0) * load(scales, i * 32)
            let scale = SIMD16<Float>(lowHalf: ds, highHalf: ds)
            let weights = _mm512_castsi256_si512(_mm256_xor_si256(loadInt(p, 2), bias))
            let x = quants + i * 256, c = corrections + i * 256
            @inline(__always)
            func step(_ k: Int, _ index: SIMD8<Int64>, _ acc: inout SIMD16<Float>) {
                let w = _mm512_permutexvar_epi32(index, weights)
                let product = _mm512_dpbusd_epi32(loadInt512(c, 64 * k), w, loadInt512(x, 64 * k))
                acc = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(product), acc)
            }
            step(0, i0, &a0)
            step(1, i1, &a1)
            step(2, i2, &a2)
            step(3, i3, &a3)
        }
        // `nibbleRow`'s order, and + 0 as the AVX2 kernels do (their Q4 offset term), so a −0 sum comes out as +0
        // there and here.
        let b0 = pairSum(a0), b1 = pairSum(a1), b2 = pairSum(a2), b3 = pairSum(a3)
        return ((b0 + b2) + (b1 + b3)) + SIMD8<Float>()
    }
    #endif
}

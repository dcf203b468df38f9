#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Quantized products of one weight row with eight activation rows at a time on AVX-512 VNNI, for the batched
/// decode of several candidates.
///
/// This module alone is compiled for AVX-512 (F, BW, VL, VNNI); `Kernels` calls it only when
/// `isSupported` says the processor and the kernel allow it, so the binary still runs on any x86-64-v3
/// processor. Two activation rows share one 512-bit register (the low half holds one row's block, the high half
/// the next row's same block) against the weight block repeated in both halves, so each row keeps its own
/// eight-lane accumulator and its own block-by-block order: every lane sums the same four byte products as
/// `vpmaddubsw` + `vpmaddwd` (no saturation can occur with 4-bit or 8-bit weights against ±127), the sums are
/// scaled by `d_w · d_x` with a fused multiply-add, and the results are bit for bit those of the AVX2 kernels
/// and of ggml's `ggml_vec_dot_q4_1_q8_1` / `ggml_vec_dot_q8_0_q8_0`.
public enum PairedProducts {
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

    /// The weight types these kernels take (ggml type ids).
    public enum WeightType: Sendable {
        case q4_1
        case q8_0
    }

    #if arch(x86_64)
    /// For each weight row `r` in `rows`, the products with activation rows `first ..< first + 8`, written to
    /// `output[(first + k) · outputStride + r]`.
    ///
    /// - Parameters:
    ///   - weights: the first weight row; rows are `rowBytes` apart, `blocks` blocks of 32 each.
    ///   - pairQuants: the activations' quants for rows `first, first + 1` interleaved by block (64 bytes a
    ///     block), the next pair `pairBytes` further.
    ///   - pairScales: per pair and block, 16 floats: the first row's scale eight times, then the second's.
    ///   - tileSums: the four-row tiles of the activations' sums (`s = d · Σq`) for rows `first…first + 3`,
    ///     then `first + 4…first + 7` `blocks · 16` bytes further (Q4_1 only).
    @inline(never)
    public static func multiply(_ type: WeightType, weights: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
                                blocks: Int, pairQuants: UnsafeRawPointer, pairScales: UnsafeRawPointer,
                                pairBytes: Int, tileSums: UnsafeRawPointer, output: UnsafeMutablePointer<Float>,
                                outputStride: Int, first: Int) {
        switch type {
        case .q4_1:
            multiplyRows(unsigned: true, weights: weights, rowBytes: rowBytes, rows: rows, blocks: blocks,
                         pairQuants: pairQuants, pairScales: pairScales, pairBytes: pairBytes, tileSums: tileSums,
                         output: output, outputStride: outputStride, first: first)
        case .q8_0:
            multiplyRows(unsigned: false, weights: weights, rowBytes: rowBytes, rows: rows, blocks: blocks,
                         pairQuants: pairQuants, pairScales: pairScales, pairBytes: pairBytes, tileSums: tileSums,
                         output: output, outputStride: outputStride, first: first)
        }
    }

    /// Two weight rows at a time share every activation load and keep eight independent sums in flight; each
    /// row's arithmetic is exactly `rowProducts`'.
    @inline(__always)
    static func multiplyRows(unsigned: Bool, weights: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
                             blocks: Int, pairQuants: UnsafeRawPointer, pairScales: UnsafeRawPointer,
                             pairBytes: Int, tileSums: UnsafeRawPointer, output: UnsafeMutablePointer<Float>,
                             outputStride: Int, first: Int) {
        var r = rows.lowerBound
        while r + 2 <= rows.upperBound {
            let (s, t) = rowPairProducts(unsigned: unsigned, weights + r * rowBytes, weights + (r + 1) * rowBytes,
                                         blocks: blocks, pairQuants: pairQuants, pairScales: pairScales,
                                         pairBytes: pairBytes, tileSums: tileSums)
            for k in 0..<8 {
                output[(first + k) * outputStride + r] = s[k]
                output[(first + k) * outputStride + r + 1] = t[k]
            }
            r += 2
        }
        if r < rows.upperBound {
            let s = rowProducts(unsigned: unsigned, weights + r * rowBytes, blocks: blocks, pairQuants: pairQuants,
                                pairScales: pairScales, pairBytes: pairBytes, tileSums: tileSums)
            for k in 0..<8 { output[(first + k) * outputStride + r] = s[k] }
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// ggml's `hsum_float_8` order: `((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7))`.
    @inline(__always)
    static func hsum(_ v: SIMD8<Float>) -> Float {
        let h = v.lowHalf + v.highHalf
        return (h[0] + h[2]) + (h[1] + h[3])
    }

    @inline(__always)
    static func rowProducts(unsigned: Bool, _ row: UnsafeRawPointer, blocks: Int, pairQuants: UnsafeRawPointer,
                            pairScales: UnsafeRawPointer, pairBytes: Int, tileSums: UnsafeRawPointer) -> SIMD8<Float> {
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        var o0 = SIMD4<Float>(), o1 = SIMD4<Float>()
        let zero = _mm512_setzero_si512()
        let low = _mm256_set1_epi8(0x0f)
        let sums1 = tileSums + blocks * 16
        for i in 0..<blocks {
            let w: SIMD8<Int64>
            var negative: UInt64 = 0
            let d: Float
            if unsigned {
                let p = row + i * 20
                d = half(p, 0)
                let packed = p.loadUnaligned(fromByteOffset: 4, as: SIMD2<Int64>.self)
                let nibbles = _mm256_and_si256(low, _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed))
                w = _mm512_broadcast_i64x4(nibbles)
                let m = SIMD4<Float>(repeating: half(p, 2))
                o0 = o0.addingProduct(m, tileSums.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self))
                o1 = o1.addingProduct(m, sums1.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self))
            } else {
                let p = row + i * 34
                d = half(p, 0)
                let signed = _mm512_broadcast_i64x4(p.loadUnaligned(fromByteOffset: 2, as: SIMD4<Int64>.self))
                negative = _mm512_movepi8_mask(signed)
                w = _mm512_abs_epi8(signed)
            }
            let dv = SIMD16<Float>(repeating: d)
            let q = pairQuants + i * 64, s = pairScales + i * 64
            @inline(__always)
            func step(_ k: Int, _ acc: SIMD16<Float>) -> SIMD16<Float> {
                var x = (q + k * pairBytes).loadUnaligned(as: SIMD8<Int64>.self)
                if !unsigned { x = _mm512_mask_sub_epi8(x, negative, zero, x) }
                let products = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, w, x))
                let scale = dv * (s + k * pairBytes).loadUnaligned(as: SIMD16<Float>.self)
                return _mm512_fmadd_ps(scale, products, acc)
            }
            a0 = step(0, a0)
            a1 = step(1, a1)
            a2 = step(2, a2)
            a3 = step(3, a3)
        }
        return SIMD8(hsum(a0.lowHalf) + o0[0], hsum(a0.highHalf) + o0[1], hsum(a1.lowHalf) + o0[2],
                     hsum(a1.highHalf) + o0[3], hsum(a2.lowHalf) + o1[0], hsum(a2.highHalf) + o1[1],
                     hsum(a3.lowHalf) + o1[2], hsum(a3.highHalf) + o1[3])
    }
    /// One block of one weight row: its 32 weights in both halves of a register (unsigned nibbles, or the
    /// magnitudes of signed bytes with their signs in `negative`), its scale, and for Q4_1 its offset.
    @inline(__always)
    static func weightBlock(unsigned: Bool, _ row: UnsafeRawPointer, _ i: Int)
        -> (w: SIMD8<Int64>, negative: UInt64, d: Float, m: Float) {
        if unsigned {
            let p = row + i * 20
            let packed = p.loadUnaligned(fromByteOffset: 4, as: SIMD2<Int64>.self)
            let nibbles = _mm256_and_si256(_mm256_set1_epi8(0x0f), _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed))
            return (_mm512_broadcast_i64x4(nibbles), 0, half(p, 0), half(p, 2))
        } else {
            let p = row + i * 34
            let signed = _mm512_broadcast_i64x4(p.loadUnaligned(fromByteOffset: 2, as: SIMD4<Int64>.self))
            return (_mm512_abs_epi8(signed), _mm512_movepi8_mask(signed), half(p, 0), 0)
        }
    }

    /// `rowProducts` for two rows at once, each row summed in exactly the same order.
    @inline(__always)
    static func rowPairProducts(unsigned: Bool, _ row0: UnsafeRawPointer, _ row1: UnsafeRawPointer, blocks: Int,
                                pairQuants: UnsafeRawPointer, pairScales: UnsafeRawPointer, pairBytes: Int,
                                tileSums: UnsafeRawPointer) -> (SIMD8<Float>, SIMD8<Float>) {
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        var b0 = SIMD16<Float>(), b1 = SIMD16<Float>(), b2 = SIMD16<Float>(), b3 = SIMD16<Float>()
        var o0 = SIMD4<Float>(), o1 = SIMD4<Float>(), p0 = SIMD4<Float>(), p1 = SIMD4<Float>()
        let zero = _mm512_setzero_si512()
        let sums1 = tileSums + blocks * 16
        for i in 0..<blocks {
            let u = weightBlock(unsigned: unsigned, row0, i), v = weightBlock(unsigned: unsigned, row1, i)
            if unsigned {
                let t0 = tileSums.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self)
                let t1 = sums1.loadUnaligned(fromByteOffset: i * 16, as: SIMD4<Float>.self)
                let mu = SIMD4<Float>(repeating: u.m), mv = SIMD4<Float>(repeating: v.m)
                o0 = o0.addingProduct(mu, t0)
                o1 = o1.addingProduct(mu, t1)
                p0 = p0.addingProduct(mv, t0)
                p1 = p1.addingProduct(mv, t1)
            }
            let du = SIMD16<Float>(repeating: u.d), dv = SIMD16<Float>(repeating: v.d)
            let q = pairQuants + i * 64, s = pairScales + i * 64
            @inline(__always)
            func step(_ k: Int, _ acc: inout SIMD16<Float>, _ bcc: inout SIMD16<Float>) {
                let x = (q + k * pairBytes).loadUnaligned(as: SIMD8<Int64>.self)
                let scale = (s + k * pairBytes).loadUnaligned(as: SIMD16<Float>.self)
                let xu = unsigned ? x : _mm512_mask_sub_epi8(x, u.negative, zero, x)
                let xv = unsigned ? x : _mm512_mask_sub_epi8(x, v.negative, zero, x)
                acc = _mm512_fmadd_ps(du * scale, _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, u.w, xu)), acc)
                bcc = _mm512_fmadd_ps(dv * scale, _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, v.w, xv)), bcc)
            }
            step(0, &a0, &b0)
            step(1, &a1, &b1)
            step(2, &a2, &b2)
            step(3, &a3, &b3)
        }
        @inline(__always)
        func finish(_ a0: SIMD16<Float>, _ a1: SIMD16<Float>, _ a2: SIMD16<Float>, _ a3: SIMD16<Float>,
                    _ o0: SIMD4<Float>, _ o1: SIMD4<Float>) -> SIMD8<Float> {
            SIMD8(hsum(a0.lowHalf) + o0[0], hsum(a0.highHalf) + o0[1], hsum(a1.lowHalf) + o0[2],
                  hsum(a1.highHalf) + o0[3], hsum(a2.lowHalf) + o1[0], hsum(a2.highHalf) + o1[1],
                  hsum(a3.lowHalf) + o1[2], hsum(a3.highHalf) + o1[3])
        }
        return (finish(a0, a1, a2, a3, o0, o1), finish(b0, b1, b2, b3, p0, p1))
    }
    #endif
}

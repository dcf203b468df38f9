#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One attention head over an f16 KV cache on AVX-512: the same arithmetic as `Attention`'s AVX2 path (ggml's
/// flash attention, `ggml_compute_forward_flash_attn_ext_f16`), sixteen lanes per instruction instead of eight.
///
/// Every step is either lane by lane (f16 rounding, fused multiply-adds of the running sum) or, for the scores, a
/// reduction whose order is already ggml's sixteen-lane AVX-512 order, so the results are bit for bit those of the
/// AVX2 path. `Kernels` calls this only when `PairedProducts.isSupported`.
public enum HalfAttention {
    #if arch(x86_64)
    /// Rounds the query to f16 in place, scores it against `count` keys, and writes the softmax-weighted sum of
    /// the values to `target`.
    ///
    /// - Parameters:
    ///   - query: `width` floats, rounded to f16 in place.
    ///   - keys, values: position 0's key and value for this head; position `t`'s are `t · stride` halves on.
    ///   - scratch: room for `2 · count` floats.
    @inline(never)
    public static func head(query: UnsafeMutablePointer<Float>, keys: UnsafeRawPointer, values: UnsafeRawPointer,
                            stride: Int, count: Int, width: Int, scale: Float, scratch: UnsafeMutablePointer<Float>,
                            into target: UnsafeMutablePointer<Float>) {
        roundToHalf(query, count: width)
        scores(query: query, keys: keys, stride: stride, count: count, width: width, scale: scale, into: scratch)
        onlineSoftmax(scores: scratch, weights: scratch + count, values: values, stride: stride, count: count,
                      width: width, into: target)
    }

    @inline(__always)
    static func load16(_ p: UnsafeRawPointer) -> SIMD16<Float> {
        _mm512_cvtph_ps(p.loadUnaligned(as: SIMD4<Int64>.self))
    }

    @inline(__always)
    static func load8(_ p: UnsafeRawPointer) -> SIMD8<Float> {
        SIMD8<Float>(p.loadUnaligned(as: SIMD8<Float16>.self))
    }

    /// `v` rounded to half precision (to nearest, ties to even) and back: two eight-lane `vcvtps2ph` (the
    /// sixteen-lane one is a macro Swift cannot import, and the standard library's sixteen-lane conversion is a
    /// scalar loop), one sixteen-lane `vcvtph2ps`.
    @inline(__always)
    static func round16(_ v: SIMD16<Float>) -> SIMD16<Float> {
        let low = unsafeBitCast(SIMD8<Float16>(v.lowHalf), to: SIMD2<Int64>.self)
        let high = unsafeBitCast(SIMD8<Float16>(v.highHalf), to: SIMD2<Int64>.self)
        return _mm512_cvtph_ps(SIMD4<Int64>(lowHalf: low, highHalf: high))
    }

    @inline(__always)
    static func round8(_ v: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8<Float>(SIMD8<Float16>(v))
    }

    @inline(__always)
    static func roundToHalf(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(x)
        var c = 0
        while c + 16 <= count {
            raw.storeBytes(of: round16(raw.loadUnaligned(fromByteOffset: 4 * c, as: SIMD16<Float>.self)),
                           toByteOffset: 4 * c, as: SIMD16<Float>.self)
            c += 16
        }
        while c < count {
            raw.storeBytes(of: round8(raw.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self)),
                           toByteOffset: 4 * c, as: SIMD8<Float>.self)
            c += 8
        }
    }

    /// `p[t] = (query · key[t]) · scale` in ggml's `ggml_vec_dot_f16` order for AVX-512: four sixteen-lane sums
    /// over steps of 64, folded 0+2, 1+3, then 0+1, the lanes halved down to one, any tail added in double.
    @inline(__always)
    static func scores(query: UnsafeMutablePointer<Float>, keys: UnsafeRawPointer, stride: Int, count: Int,
                       width: Int, scale: Float, into p: UnsafeMutablePointer<Float>) {
        let whole = width - width % 64
        let q = UnsafeRawPointer(query)
        for t in 0..<count {
            let k = keys + 2 * t * stride
            var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
            var c = 0
            while c < whole {
                s0 = s0.addingProduct(q.loadUnaligned(fromByteOffset: 4 * c, as: SIMD16<Float>.self), load16(k + 2 * c))
                s1 = s1.addingProduct(q.loadUnaligned(fromByteOffset: 4 * c + 64, as: SIMD16<Float>.self),
                                      load16(k + 2 * c + 32))
                s2 = s2.addingProduct(q.loadUnaligned(fromByteOffset: 4 * c + 128, as: SIMD16<Float>.self),
                                      load16(k + 2 * c + 64))
                s3 = s3.addingProduct(q.loadUnaligned(fromByteOffset: 4 * c + 192, as: SIMD16<Float>.self),
                                      load16(k + 2 * c + 96))
                c += 64
            }
            let folded = (s0 + s2) + (s1 + s3)
            let h8 = folded.lowHalf + folded.highHalf
            let h4 = h8.lowHalf + h8.highHalf
            var sum = Double((h4[0] + h4[2]) + (h4[1] + h4[3]))
            while c < width {
                sum += Double(query[c] * Float(Float16(bitPattern: k.load(fromByteOffset: 2 * c, as: UInt16.self))))
                c += 1
            }
            p[t] = Float(sum) * scale
        }
    }

    /// ggml's online softmax over f16 values: the rescale factors `e^(M_old − M)` (into `p`) and weights
    /// `e^(s − M)` (into `w`) first, in order, then the f16 running sum 64 outputs at a time in four registers,
    /// rounded to f16 after every step.
    @inline(__always)
    static func onlineSoftmax(scores p: UnsafeMutablePointer<Float>, weights w: UnsafeMutablePointer<Float>,
                              values: UnsafeRawPointer, stride: Int, count: Int, width: Int,
                              into target: UnsafeMutablePointer<Float>) {
        var maximum = -Float.infinity, sum: Float = 0
        for t in 0..<count {
            let s = p[t]
            var rescale: Float = 1, weight: Float = 1
            if s > maximum {
                rescale = expf(maximum - s)
                maximum = s
            } else {
                weight = expf(s - maximum)
            }
            p[t] = rescale
            w[t] = weight
            sum = weight.addingProduct(sum, rescale)
        }
        let inverse = 1 / sum
        let out = UnsafeMutableRawPointer(target)
        var c = 0
        while c + 64 <= width {
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
            for t in 0..<count {
                let v = values + 2 * (t * stride + c)
                if p[t] != 1 {
                    let m = SIMD16<Float>(repeating: p[t])
                    a0 = round16(a0 * m); a1 = round16(a1 * m); a2 = round16(a2 * m); a3 = round16(a3 * m)
                }
                let x = SIMD16<Float>(repeating: w[t])
                a0 = round16(a0.addingProduct(load16(v), x))
                a1 = round16(a1.addingProduct(load16(v + 32), x))
                a2 = round16(a2.addingProduct(load16(v + 64), x))
                a3 = round16(a3.addingProduct(load16(v + 96), x))
            }
            out.storeBytes(of: a0 * inverse, toByteOffset: 4 * c, as: SIMD16<Float>.self)
            out.storeBytes(of: a1 * inverse, toByteOffset: 4 * c + 64, as: SIMD16<Float>.self)
            out.storeBytes(of: a2 * inverse, toByteOffset: 4 * c + 128, as: SIMD16<Float>.self)
            out.storeBytes(of: a3 * inverse, toByteOffset: 4 * c + 192, as: SIMD16<Float>.self)
            c += 64
        }
        while c + 16 <= width {
            var a = SIMD16<Float>()
            for t in 0..<count {
                if p[t] != 1 { a = round16(a * SIMD16(repeating: p[t])) }
                a = round16(a.addingProduct(load16(values + 2 * (t * stride + c)), SIMD16(repeating: w[t])))
            }
            out.storeBytes(of: a * inverse, toByteOffset: 4 * c, as: SIMD16<Float>.self)
            c += 16
        }
        while c < width {
            var a = SIMD8<Float>()
            for t in 0..<count {
                if p[t] != 1 { a = round8(a * SIMD8(repeating: p[t])) }
                a = round8(a.addingProduct(load8(values + 2 * (t * stride + c)), SIMD8(repeating: w[t])))
            }
            out.storeBytes(of: a * inverse, toByteOffset: 4 * c, as: SIMD8<Float>.self)
            c += 8
        }
    }
    #endif
}

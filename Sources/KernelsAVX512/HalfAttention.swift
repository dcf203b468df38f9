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
/// AVX2 path. `Kernels` calls this only when `EightRowProducts.isSupported`.
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
    /// `e^(s − M)` (into `w`) first, in order, then the f16 running sum, rounded to f16 after every step.
    @inline(__always)
    static func onlineSoftmax(scores p: UnsafeMutablePointer<Float>, weights w: UnsafeMutablePointer<Float>,
                              values: UnsafeRawPointer, stride: Int, count: Int, width: Int,
                              into target: UnsafeMutablePointer<Float>) {
        let inverse = softmaxFactors(scores: p, weights: w, count: count)
        accumulate(factors: p, weights: w, inverse: inverse, values: values, stride: stride, count: count, from: 0,
                   width: width, into: target)
    }

    /// Replaces the scores `p` by the rescale factors and writes the weights `w`; returns `1 / S`.
    ///
    /// ggml's order, position by position: a score above the running maximum `M` gets rescale `e^(M − s)`,
    /// becomes the maximum and weighs 1; any other weighs `e^(s − M)`; `S = S · rescale + weight`. The
    /// maximum and the exponent of each position are found first, the exponentials then taken eight at a time
    /// (`exp8`, glibc's `expf` bit for bit), and `S` summed last in the same order.
    @inline(__always)
    static func softmaxFactors(scores p: UnsafeMutablePointer<Float>, weights w: UnsafeMutablePointer<Float>,
                               count: Int) -> Float {
        softmaxExponentials(scores: p, weights: w, count: count)
        var sum: Float = 0
        for t in 0..<count { sum = w[t].addingProduct(sum, p[t]) }
        return 1 / sum
    }

    /// The rescale factors (into `p`) and weights (into `w`) of `softmaxFactors`, without the sum.
    @inline(__always)
    static func softmaxExponentials(scores p: UnsafeMutablePointer<Float>, weights w: UnsafeMutablePointer<Float>,
                                    count: Int) {
        var maximum = -Float.infinity
        for t in 0..<count {
            let s = p[t]
            // p holds 0 where the score raises the maximum (the exponential is its rescale), 1 elsewhere.
            if s > maximum {
                w[t] = maximum - s
                p[t] = 0
                maximum = s
            } else {
                w[t] = s - maximum
                p[t] = 1
            }
        }
        let raw = UnsafeMutableRawPointer(w), flags = UnsafeMutableRawPointer(p)
        let one = SIMD8<Float>(repeating: 1)
        var t = 0
        while t + 8 <= count {
            let e = exp8(raw.loadUnaligned(fromByteOffset: 4 * t, as: SIMD8<Float>.self))
            let raises = flags.loadUnaligned(fromByteOffset: 4 * t, as: SIMD8<Float>.self) .== 0
            flags.storeBytes(of: one.replacing(with: e, where: raises), toByteOffset: 4 * t, as: SIMD8<Float>.self)
            raw.storeBytes(of: e.replacing(with: one, where: raises), toByteOffset: 4 * t, as: SIMD8<Float>.self)
            t += 8
        }
        while t < count {
            let e = expf(w[t])
            if p[t] == 0 { p[t] = e; w[t] = 1 } else { p[t] = 1; w[t] = e }
            t += 1
        }
    }

    /// `softmaxFactors` for three heads, their sums `S` accumulated side by side: each sum is a chain of fused
    /// multiply-adds, one per position, and three independent chains run in the time of one.
    @inline(__always)
    static func threeSoftmaxFactors(_ p0: UnsafeMutablePointer<Float>, _ p1: UnsafeMutablePointer<Float>,
                                    _ p2: UnsafeMutablePointer<Float>, count: Int) -> (Float, Float, Float) {
        softmaxExponentials(scores: p0, weights: p0 + count, count: count)
        softmaxExponentials(scores: p1, weights: p1 + count, count: count)
        softmaxExponentials(scores: p2, weights: p2 + count, count: count)
        let w0 = p0 + count, w1 = p1 + count, w2 = p2 + count
        var s0: Float = 0, s1: Float = 0, s2: Float = 0
        for t in 0..<count {
            s0 = w0[t].addingProduct(s0, p0[t])
            s1 = w1[t].addingProduct(s1, p1[t])
            s2 = w2[t].addingProduct(s2, p2[t])
        }
        return (1 / s0, 1 / s1, 1 / s2)
    }

    /// glibc's `expf` for eight floats, bit for bit: the algorithm of sysdeps/ieee754/flt-32/e_expf.c (Arm's
    /// optimized-routines, glibc 2.27 and later) as glibc builds it for processors with FMA, which is the variant
    /// it selects on every processor that runs this module. In double precision, `x · 32/ln 2 = k + r` (rounded
    /// by adding 1.5·2⁵²), `2^(k/32)` is a table entry with `k / 32` added to its exponent, `2^(r/32)` is
    /// `1 + C2·r + (C1 + C0·r)·r²`, and inputs beyond the range take glibc's under- and overflow results.
    /// Constants and table are `__exp2f_data` (e_exp2f_data.c); a test compares every input ≤ 0 with `expf`.
    @inline(__always)
    public static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let xd = _mm512_cvtps_pd(x)
        let z = SIMD8<Double>(repeating: 0x1.8p52).addingProduct(SIMD8(repeating: 0x1.71547652b82fep+5), xd)
        let ki = unsafeBitCast(z, to: SIMD8<UInt64>.self)
        let kd = z - SIMD8(repeating: 0x1.8p52)
        let r = (-kd).addingProduct(SIMD8(repeating: 0x1.71547652b82fep+5), xd)
        let index = unsafeBitCast(ki & 31, to: SIMD8<Int64>.self)
        let low = _mm512_permutex2var_pd(exp2Table.0, index, exp2Table.1)
        let high = _mm512_permutex2var_pd(exp2Table.2, index, exp2Table.3)
        let entry = _mm512_mask_blend_pd(_mm512_test_epi64_mask(index, SIMD8(repeating: 16)), low, high)
        let scale = unsafeBitCast(unsafeBitCast(entry, to: SIMD8<UInt64>.self) &+ (ki &<< 47), to: SIMD8<Double>.self)
        let z2 = SIMD8<Double>(repeating: 0x1.ebfce50fac4f3p-13).addingProduct(r, SIMD8(repeating: 0x1.c6af84b912394p-20))
        let y0 = SIMD8<Double>(repeating: 1).addingProduct(r, SIMD8(repeating: 0x1.62e42ff0c52d6p-6))
        let y = y0.addingProduct(z2, r * r) * scale
        var result = _mm512_cvtpd_ps(y)
        // glibc: below −0x1.9fe368p6 (and −∞) 0; down to −0x1.9d1d9ep6 its "may underflow" result 0x1.4p-75²,
        // which rounds to the smallest subnormal; above 0x1.62e42ep6 ∞; NaN stays NaN.
        result.replace(with: SIMD8(repeating: 0x1p-149), where: x .< -0x1.9d1d9ep6)
        result.replace(with: SIMD8(), where: x .< -0x1.9fe368p6)
        result.replace(with: SIMD8(repeating: .infinity), where: x .> 0x1.62e42ep6)
        result.replace(with: x + x, where: x .!= x)
        return result
    }

    /// `__exp2f_data.tab`: `2^(i/32)` with the exponent bits of `i / 32` taken out, entries 0…7, 8…15, 16…23, 24…31.
    static let exp2Table: (SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>) = {
        let bits: [UInt64] = [
            0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
            0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
            0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
            0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
            0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
            0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
            0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
            0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
        ]
        func part(_ i: Int) -> SIMD8<Double> {
            var v = SIMD8<Double>()
            for j in 0..<8 { v[j] = Double(bitPattern: bits[8 * i + j]) }
            return v
        }
        return (part(0), part(1), part(2), part(3))
    }()

    /// The f16 running sum of outputs `from ..< width`, 64 at a time in four registers, then 16, then 8.
    @inline(__always)
    static func accumulate(factors p: UnsafeMutablePointer<Float>, weights w: UnsafeMutablePointer<Float>,
                           inverse: Float, values: UnsafeRawPointer, stride: Int, count: Int, from start: Int,
                           width: Int, into target: UnsafeMutablePointer<Float>) {
        let out = UnsafeMutableRawPointer(target)
        var c = start
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

    /// `head` for three query heads that read the same key-value head (grouped-query attention): each key and
    /// value is loaded and converted once for the three, and twelve running sums instead of four hide the
    /// latency of the f16 round trips. Each head's arithmetic is exactly `head`'s.
    ///
    /// - Parameters:
    ///   - queries: the first query; the others are `queryStride` floats on, as are the three targets.
    ///   - scratch: room for `6 · count` floats.
    @inline(never)
    public static func threeHeads(queries: UnsafeMutablePointer<Float>, queryStride: Int, keys: UnsafeRawPointer,
                                  values: UnsafeRawPointer, stride: Int, count: Int, width: Int, scale: Float,
                                  scratch: UnsafeMutablePointer<Float>, into target: UnsafeMutablePointer<Float>) {
        let q0 = queries, q1 = queries + queryStride, q2 = queries + 2 * queryStride
        roundToHalf(q0, count: width)
        roundToHalf(q1, count: width)
        roundToHalf(q2, count: width)
        let p0 = scratch, p1 = scratch + 2 * count, p2 = scratch + 4 * count
        if width % 64 == 0 {
            threeScores(q0, q1, q2, keys: keys, stride: stride, count: count, width: width, scale: scale,
                        into: p0, p1, p2)
        } else {
            scores(query: q0, keys: keys, stride: stride, count: count, width: width, scale: scale, into: p0)
            scores(query: q1, keys: keys, stride: stride, count: count, width: width, scale: scale, into: p1)
            scores(query: q2, keys: keys, stride: stride, count: count, width: width, scale: scale, into: p2)
        }
        let (i0, i1, i2) = threeSoftmaxFactors(p0, p1, p2, count: count)
        let w0 = p0 + count, w1 = p1 + count, w2 = p2 + count
        let t0 = target, t1 = target + queryStride, t2 = target + 2 * queryStride
        var c = 0
        while c + 64 <= width {
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
            var b0 = SIMD16<Float>(), b1 = SIMD16<Float>(), b2 = SIMD16<Float>(), b3 = SIMD16<Float>()
            var e0 = SIMD16<Float>(), e1 = SIMD16<Float>(), e2 = SIMD16<Float>(), e3 = SIMD16<Float>()
            for t in 0..<count {
                let v = values + 2 * (t * stride + c)
                let v0 = load16(v), v1 = load16(v + 32), v2 = load16(v + 64), v3 = load16(v + 96)
                @inline(__always)
                func step(_ p: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>, _ x0: inout SIMD16<Float>,
                          _ x1: inout SIMD16<Float>, _ x2: inout SIMD16<Float>, _ x3: inout SIMD16<Float>) {
                    if p[t] != 1 {
                        let m = SIMD16<Float>(repeating: p[t])
                        x0 = round16(x0 * m); x1 = round16(x1 * m); x2 = round16(x2 * m); x3 = round16(x3 * m)
                    }
                    let x = SIMD16<Float>(repeating: w[t])
                    x0 = round16(x0.addingProduct(v0, x))
                    x1 = round16(x1.addingProduct(v1, x))
                    x2 = round16(x2.addingProduct(v2, x))
                    x3 = round16(x3.addingProduct(v3, x))
                }
                step(p0, w0, &a0, &a1, &a2, &a3)
                step(p1, w1, &b0, &b1, &b2, &b3)
                step(p2, w2, &e0, &e1, &e2, &e3)
            }
            @inline(__always)
            func store(_ out: UnsafeMutablePointer<Float>, _ inverse: Float, _ x0: SIMD16<Float>, _ x1: SIMD16<Float>,
                       _ x2: SIMD16<Float>, _ x3: SIMD16<Float>) {
                let raw = UnsafeMutableRawPointer(out + c)
                raw.storeBytes(of: x0 * inverse, as: SIMD16<Float>.self)
                raw.storeBytes(of: x1 * inverse, toByteOffset: 64, as: SIMD16<Float>.self)
                raw.storeBytes(of: x2 * inverse, toByteOffset: 128, as: SIMD16<Float>.self)
                raw.storeBytes(of: x3 * inverse, toByteOffset: 192, as: SIMD16<Float>.self)
            }
            store(t0, i0, a0, a1, a2, a3)
            store(t1, i1, b0, b1, b2, b3)
            store(t2, i2, e0, e1, e2, e3)
            c += 64
        }
        if c < width {
            accumulate(factors: p0, weights: w0, inverse: i0, values: values, stride: stride, count: count,
                       from: c, width: width, into: t0)
            accumulate(factors: p1, weights: w1, inverse: i1, values: values, stride: stride, count: count,
                       from: c, width: width, into: t1)
            accumulate(factors: p2, weights: w2, inverse: i2, values: values, stride: stride, count: count,
                       from: c, width: width, into: t2)
        }
    }

    /// `scores` for three queries against the same keys (widths a multiple of 64).
    @inline(__always)
    static func threeScores(_ q0: UnsafeMutablePointer<Float>, _ q1: UnsafeMutablePointer<Float>,
                            _ q2: UnsafeMutablePointer<Float>, keys: UnsafeRawPointer, stride: Int, count: Int,
                            width: Int, scale: Float, into p0: UnsafeMutablePointer<Float>,
                            _ p1: UnsafeMutablePointer<Float>, _ p2: UnsafeMutablePointer<Float>) {
        @inline(__always)
        func fold(_ s0: SIMD16<Float>, _ s1: SIMD16<Float>, _ s2: SIMD16<Float>, _ s3: SIMD16<Float>) -> SIMD8<Float> {
            let folded = (s0 + s2) + (s1 + s3)
            return folded.lowHalf + folded.highHalf
        }
        @inline(__always)
        func reduce(_ h8: SIMD8<Float>) -> Float {
            let h4 = h8.lowHalf + h8.highHalf
            return Float(Double((h4[0] + h4[2]) + (h4[1] + h4[3]))) * scale
        }
        let r0 = UnsafeRawPointer(q0), r1 = UnsafeRawPointer(q1), r2 = UnsafeRawPointer(q2)
        /// The eight-lane partial sums `h8` of one position for the three heads.
        @inline(__always)
        func partials(_ t: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
            let k = keys + 2 * t * stride
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
            var b0 = SIMD16<Float>(), b1 = SIMD16<Float>(), b2 = SIMD16<Float>(), b3 = SIMD16<Float>()
            var e0 = SIMD16<Float>(), e1 = SIMD16<Float>(), e2 = SIMD16<Float>(), e3 = SIMD16<Float>()
            var c = 0
            while c < width {
                let k0 = load16(k + 2 * c), k1 = load16(k + 2 * c + 32)
                let k2 = load16(k + 2 * c + 64), k3 = load16(k + 2 * c + 96)
                @inline(__always)
                func q(_ r: UnsafeRawPointer, _ j: Int) -> SIMD16<Float> {
                    r.loadUnaligned(fromByteOffset: 4 * c + 64 * j, as: SIMD16<Float>.self)
                }
                a0 = a0.addingProduct(q(r0, 0), k0); a1 = a1.addingProduct(q(r0, 1), k1)
                a2 = a2.addingProduct(q(r0, 2), k2); a3 = a3.addingProduct(q(r0, 3), k3)
                b0 = b0.addingProduct(q(r1, 0), k0); b1 = b1.addingProduct(q(r1, 1), k1)
                b2 = b2.addingProduct(q(r1, 2), k2); b3 = b3.addingProduct(q(r1, 3), k3)
                e0 = e0.addingProduct(q(r2, 0), k0); e1 = e1.addingProduct(q(r2, 1), k1)
                e2 = e2.addingProduct(q(r2, 2), k2); e3 = e3.addingProduct(q(r2, 3), k3)
                c += 64
            }
            return (fold(a0, a1, a2, a3), fold(b0, b1, b2, b3), fold(e0, e1, e2, e3))
        }
        // Eight positions at a time, the last steps of the sums (`h4 = h8.low + h8.high`, then
        // `(h4[0] + h4[2]) + (h4[1] + h4[3])`) run across the positions: the same additions, eight lanes at once
        // instead of one lane after another.
        var t = 0
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 24) { buffer in
            let h = buffer.baseAddress.unsafelyUnwrapped
            let scales = SIMD8<Float>(repeating: scale)
            while t + 8 <= count {
                for i in 0..<8 {
                    let (a, b, e) = partials(t + i)
                    h[i] = a
                    h[8 + i] = b
                    h[16 + i] = e
                }
                UnsafeMutableRawPointer(p0 + t).storeBytes(of: transposedSums(h) * scales, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(p1 + t).storeBytes(of: transposedSums(h + 8) * scales, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(p2 + t).storeBytes(of: transposedSums(h + 16) * scales, as: SIMD8<Float>.self)
                t += 8
            }
        }
        while t < count {
            let (a, b, e) = partials(t)
            p0[t] = reduce(a)
            p1[t] = reduce(b)
            p2[t] = reduce(e)
            t += 1
        }
    }

    /// For eight vectors `h[i]`, lane `i` of the result is `(g[0] + g[2]) + (g[1] + g[3])` with
    /// `g = h[i].lowHalf + h[i].highHalf`: the end of `hsum`'s order, for eight sums at once.
    @inline(__always)
    static func transposedSums(_ h: UnsafeMutablePointer<SIMD8<Float>>) -> SIMD8<Float> {
        // g of positions i and i + 1 side by side: [g_i | g_{i+1}].
        @inline(__always)
        func halves(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
            SIMD8(lowHalf: a.lowHalf, highHalf: b.lowHalf) + SIMD8(lowHalf: a.highHalf, highHalf: b.highHalf)
        }
        let g01 = halves(h[0], h[1]), g23 = halves(h[2], h[3]), g45 = halves(h[4], h[5]), g67 = halves(h[6], h[7])
        // [g0 g1 g2 g3 | g'0 g'1 g'2 g'3] of two such vectors → u = (g0 + g2, g1 + g3) of each of the four positions:
        // unpacklo_pd takes 64-bit lanes 0 and 2 (g0 g1), unpackhi_pd lanes 1 and 3 (g2 g3), of each 128-bit half.
        @inline(__always)
        func pairs(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
            let xd = unsafeBitCast(x, to: SIMD4<Double>.self), yd = unsafeBitCast(y, to: SIMD4<Double>.self)
            return unsafeBitCast(_mm256_unpacklo_pd(xd, yd), to: SIMD8<Float>.self)
                + unsafeBitCast(_mm256_unpackhi_pd(xd, yd), to: SIMD8<Float>.self)
        }
        // Lanes: u of positions [0 0 2 2 1 1 3 3] and [4 4 6 6 5 5 7 7] (first, then second value of u).
        let u0 = pairs(g01, g23), u1 = pairs(g45, g67)
        let both = SIMD16(lowHalf: u0, highHalf: u1)
        // Sums in position order 0 2 1 3 4 6 5 7.
        let sums = both.evenHalf + both.oddHalf
        return SIMD8(sums[0], sums[2], sums[1], sums[3], sums[4], sums[6], sums[5], sums[7])
    }

    #endif
}

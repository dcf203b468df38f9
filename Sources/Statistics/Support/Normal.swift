#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// The standard normal distribution: survival function and quantile to full double precision.
public enum StandardNormal {
    /// P(Z > z), computed as erfc(z/√2)/2 so small tail probabilities keep their relative precision.
    public static func survival(_ z: Double) -> Double {
        0.5 * erfc(z / 2.0.squareRoot())
    }

    /// P(Z ≤ z).
    public static func cdf(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// Two-sided p-value P(|Z| ≥ |z|), at most 1.
    public static func twoSidedP(_ z: Double) -> Double {
        min(1, erfc(abs(z) / 2.0.squareRoot()))
    }

    /// The quantile function Φ⁻¹(p) for 0 < p < 1.
    ///
    /// P. J. Acklam's rational approximation (relative error below 1.15e-9), followed by one step of
    /// Halley's method on erfc, which brings it to machine precision
    /// (Acklam, "An algorithm for computing the inverse normal cumulative distribution function", 2003;
    /// the refinement is the one Acklam gives). Φ⁻¹(0.975) = 1.959963984540054.
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "the normal quantile needs 0 < p < 1")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        for _ in 0..<2 {
            let e = cdf(x) - p
            let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
            x -= u / (1 + x * u / 2)
        }
        return x
    }
}

/// The q-quantile (0 ≤ q ≤ 1) of already sorted values by linear interpolation between order statistics:
/// position h = (n − 1)·q, value x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
///
/// This is Hyndman and Fan's definition 7, the default of NumPy's `percentile` and R's `quantile`.
public func interpolatedQuantile(sorted values: [Double], _ q: Double) -> Double {
    precondition(!values.isEmpty, "a quantile needs at least one value")
    let h = Double(values.count - 1) * q
    let lower = Int(h.rounded(.down))
    if lower >= values.count - 1 { return values[values.count - 1] }
    let fraction = h - Double(lower)
    return values[lower] + fraction * (values[lower + 1] - values[lower])
}

/// Rejects a confidence level outside (0, 1).
///
/// - Throws: ``StatisticsError/invalidArgument(name:value:expected:)``.
public func validateConfidence(_ confidence: Double) throws {
    guard confidence > 0, confidence < 1 else {
        throw StatisticsError.invalidArgument(name: "confidence", value: formatted(confidence),
                                              expected: "a number strictly between 0 and 1, e.g. 0.95")
    }
}

/// Rejects a number of resamples below 1.
///
/// - Throws: ``StatisticsError/invalidArgument(name:value:expected:)``.
public func validateResamples(_ resamples: Int) throws {
    guard resamples >= 1 else {
        throw StatisticsError.invalidArgument(name: "resamples", value: String(resamples), expected: "at least 1")
    }
}

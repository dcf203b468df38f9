import Foundation

/// A number for people: up to three decimals without trailing zeros, scientific below 0.001.
func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "∞" : "−∞" }
    if x == 0 { return "0" }
    if abs(x) < 0.001 { return String(format: "%.2e", x) }
    var text = fixed(x, decimals: 3)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
}

/// A share as a percentage for people ("95%", "99.5%").
func formatPercent(_ share: Double) -> String {
    formatNumber(share * 100) + "%"
}

/// An interval for people ("0.78–0.86"), or an empty string when there is none.
func formatInterval(_ estimate: ReportEstimate) -> String {
    guard let (lower, upper) = estimate.interval else { return "" }
    return formatNumber(lower) + "–" + formatNumber(upper)
}

/// A double in the lexical space of `xs:double` (shortest round-trip form; INF, -INF, NaN).
func xmlDouble(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "INF" : "-INF" }
    return "\(x)"
}

/// Seconds with millisecond precision, valid as `xs:decimal` and as Surefire's time pattern.
func decimalSeconds(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds > 0 else { return "0.000" }
    return fixed(seconds, decimals: 3)
}

/// `x` with exactly `decimals` decimals, rounded half away from zero.
///
/// Written out by hand because `String(format:)` dominated the time of large reports.
func fixed(_ x: Double, decimals: Int) -> String {
    let scale = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000][min(max(decimals, 0), 6)]
    guard x.isFinite, abs(x) * Double(scale) < 9e15 else { return String(format: "%.*f", decimals, x) }
    let scaled = Int((abs(x) * Double(scale)).rounded())
    let sign = x < 0 && scaled != 0 ? "-" : ""
    guard decimals > 0 else { return sign + String(scaled) }
    let fraction = String(scaled % scale)
    return sign + String(scaled / scale) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
}

/// A non-negative integer with at least `width` digits.
private func padded(_ value: Int32, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

/// The calendar fields of a date in UTC.
private func utcFields(_ date: Date) -> tm {
    var time = time_t(date.timeIntervalSince1970.rounded(.down))
    var fields = tm()
    gmtime_r(&time, &fields)
    return fields
}

/// A UTC `xs:dateTime` with zone designator ("2026-11-27T07:53:26Z"), to the second.
func xmlDateTime(_ date: Date) -> String {
    localDateTime(date) + "Z"
}

/// A UTC date and time without zone designator, as Ant's JUnit schema requires for `timestamp`.
func localDateTime(_ date: Date) -> String {
    let f = utcFields(date)
    return padded(f.tm_year + 1900, 4) + "-" + padded(f.tm_mon + 1, 2) + "-" + padded(f.tm_mday, 2) + "T"
        + padded(f.tm_hour, 2) + ":" + padded(f.tm_min, 2) + ":" + padded(f.tm_sec, 2)
}

/// A UTC date and time for people ("2026-11-27 07:53 UTC").
func displayDateTime(_ date: Date) -> String {
    let f = utcFields(date)
    return padded(f.tm_year + 1900, 4) + "-" + padded(f.tm_mon + 1, 2) + "-" + padded(f.tm_mday, 2) + " "
        + padded(f.tm_hour, 2) + ":" + padded(f.tm_min, 2) + " UTC"
}

import Foundation

/// A number for people: up to three decimals without trailing zeros, scientific below 0.001.
func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "∞" : "−∞" }
    if x == 0 { return "0" }
    if abs(x) < 0.001 { return String(format: "%.2e", x) }
    var text = String(format: "%.3f", x)
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
    return String(format: "%.3f", seconds)
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
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02d",
                  Int(f.tm_year) + 1900, Int(f.tm_mon) + 1, Int(f.tm_mday),
                  Int(f.tm_hour), Int(f.tm_min), Int(f.tm_sec))
}

/// A UTC date and time for people ("2026-11-27 07:53 UTC").
func displayDateTime(_ date: Date) -> String {
    let f = utcFields(date)
    return String(format: "%04d-%02d-%02d %02d:%02d UTC",
                  Int(f.tm_year) + 1900, Int(f.tm_mon) + 1, Int(f.tm_mday), Int(f.tm_hour), Int(f.tm_min))
}

import Foundation
import Testing
@testable import GaitStore

/// The stored form of dates: fixed width, sortable, and read back to the millisecond.
@Suite struct TimestampTests {
    @Test("dates are written in the fixed 24-character UTC form", arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500Z"),
        (1_795_804_245.123, "2026-11-27T18:30:45.123Z"),
        (-1.0, "1969-12-31T23:59:59.000Z"),
        (-0.0008, "1969-12-31T23:59:59.999Z"),
        (253_402_300_799.999, "9999-12-31T23:59:59.999Z"),
    ])
    func written(seconds: Double, text: String) {
        #expect(Timestamp.string(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test("a written date reads back to the millisecond, and the text sorts as the dates do")
    func roundTrip() throws {
        var previous = ""
        // Whole milliseconds plus a fraction of one, which the stored form drops.
        for millis in stride(from: Int64(-86_400_000) * 400, to: Int64(86_400_000) * 365 * 60, by: 3_222_720_017) {
            let text = Timestamp.string(Date(timeIntervalSince1970: Double(millis) / 1000 + 0.0003))
            let back = try #require(Timestamp.date(text))
            #expect(abs(back.timeIntervalSince1970 - Double(millis) / 1000) < 1e-6, "\(text)")
            #expect(text > previous)
            previous = text
        }
    }

    @Test("texts not in the stored form are refused", arguments: [
        "2026-11-27 18:30:45.123Z", "2026-11-27T18:30:45Z", "2026-13-01T00:00:00.000Z", "2026-11-27T18:3a:45.123Z",
    ])
    func refused(text: String) {
        #expect(Timestamp.date(text) == nil)
    }
}

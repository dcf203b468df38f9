import Foundation

/// UTC timestamps as the schema stores them: `YYYY-MM-DDTHH:MM:SS.sssZ`, fixed width so they sort.
public enum Timestamp {
    /// The stored text of a date.
    public static func string(_ date: Date) -> String {
        var time = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let millis = Int(((time % 1000) + 1000) % 1000)
        time = (time - Int64(millis)) / 1000
        var days = Int(time >= 0 ? time / 86_400 : (time - 86_399) / 86_400)
        let secondsOfDay = Int(time - Int64(days) * 86_400)
        // Civil-from-days (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // Written digit by digit into the fixed 24-byte form: the queue stamps every claim and
        // rating several times, and interpolating padded pieces cost a dozen small strings each.
        return String(unsafeUninitializedCapacity: 24) { bytes in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var rest = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            put(year, 4, at: 0)
            bytes[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            bytes[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            bytes[10] = UInt8(ascii: "T")
            put(secondsOfDay / 3600, 2, at: 11)
            bytes[13] = UInt8(ascii: ":")
            put(secondsOfDay / 60 % 60, 2, at: 14)
            bytes[16] = UInt8(ascii: ":")
            put(secondsOfDay % 60, 2, at: 17)
            bytes[19] = UInt8(ascii: ".")
            put(millis, 3, at: 20)
            bytes[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// The date of a stored text, or nil when it is not in the stored form.
    public static func date(_ text: String) -> Date? {
        let scalars = Array(text.utf8)
        guard scalars.count == 24, scalars[4] == 45, scalars[7] == 45, scalars[10] == 84, scalars[23] == 90 else {
            return nil
        }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(scalars[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              let millis = number(20..<23), (1...12).contains(month) else { return nil }
        // Days-from-civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second) + Double(millis) / 1000
        return Date(timeIntervalSince1970: seconds)
    }
}

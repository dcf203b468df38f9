/// Where the console reads lines and writes text: injected, so a terminal, a pipe and a test
/// all drive the same code.
public struct ConsoleIO {
    /// The next input line without its line break, or nil at the end of input.
    public var readLine: () -> String?
    /// Writes text as is (it carries its own line breaks); should flush.
    public var write: (String) -> Void
    /// Columns to wrap text to.
    public var width: Int
    /// Whether to color the output (ANSI SGR sequences).
    public var colors: Bool

    public init(readLine: @escaping () -> String?, write: @escaping (String) -> Void, width: Int = 80,
                colors: Bool = false) {
        self.readLine = readLine
        self.write = write
        self.width = width
        self.colors = colors
    }

    /// Whether to color output: only on a terminal, never when `NO_COLOR` is set to a non-empty
    /// value (https://no-color.org), never for `TERM=dumb`.
    public static func wantsColors(isTerminal: Bool, environment: [String: String]) -> Bool {
        guard isTerminal else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    /// The width to wrap to: the terminal's columns when known, else `COLUMNS`, else 80; at
    /// least 20 so the layout stays readable.
    public static func wrapWidth(terminalColumns: Int?, environment: [String: String]) -> Int {
        let columns = terminalColumns.flatMap { $0 > 0 ? $0 : nil }
            ?? environment["COLUMNS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            ?? 80
        return max(20, columns)
    }
}

/// The roles of console text, each with its color on a terminal.
enum Style {
    case header, label, question, hint, error, saved

    var sgr: String {
        switch self {
        case .header: "1;36"
        case .label: "1"
        case .question: "1;33"
        case .hint: "2"
        case .error: "31"
        case .saved: "32"
        }
    }

    /// The text in this style when `colors` is on, else as is.
    func paint(_ text: String, colors: Bool) -> String {
        colors ? "\u{1B}[\(sgr)m\(text)\u{1B}[0m" : text
    }
}

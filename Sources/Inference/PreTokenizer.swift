/// The pre-tokenizer splitting of llama.cpp's GPT-2 family (unicode.cpp): optional single-digit pieces, then
/// `unicode_regex_split_custom_gpt2`, reproduced code point by code point.
enum PreTokenizer {
    private struct Flags {
        var letter = false, number = false, whitespace = false, defined = false
        init() {}
        init(_ scalar: Unicode.Scalar) {
            let properties = scalar.properties
            whitespace = properties.isWhitespace
            switch properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: letter = true
            case .decimalNumber, .letterNumber, .otherNumber: number = true
            case .unassigned: defined = whitespace
                return
            default: break
            }
            defined = true
        }
    }

    /// Ranges of `scalars` making up the pieces, in order.
    static func split(_ scalars: [Unicode.Scalar], splitDigits: Bool) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        guard !scalars.isEmpty else { return pieces }
        let flags = scalars.map(Flags.init)
        if splitDigits {
            var start = 0
            for i in scalars.indices where flags[i].number {
                if start < i { gpt2(scalars, flags, start..<i, into: &pieces) }
                pieces.append(i..<(i + 1))
                start = i + 1
            }
            if start < scalars.count { gpt2(scalars, flags, start..<scalars.count, into: &pieces) }
        } else {
            gpt2(scalars, flags, 0..<scalars.count, into: &pieces)
        }
        return pieces
    }

    private static func gpt2(_ scalars: [Unicode.Scalar], _ allFlags: [Flags], _ range: Range<Int>,
                             into pieces: inout [Range<Int>]) {
        let end = range.upperBound
        func flags(_ i: Int) -> Flags { i < end ? allFlags[i] : Flags() }
        func scalar(_ i: Int) -> UInt32? { i < end ? scalars[i].value : nil }
        var start = range.lowerBound
        var pos = start
        func add(_ upTo: Int) {
            if upTo > start { pieces.append(start..<upTo) }
            start = upTo
        }
        let apostrophe = UInt32(UInt8(ascii: "'"))
        while pos < end {
            let cpt = scalars[pos].value
            let f = flags(pos)
            if cpt == apostrophe, pos + 1 < end, let next = scalar(pos + 1) {
                if [UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d")].map(UInt32.init).contains(next) {
                    pos += 2
                    add(pos)
                    continue
                }
                if pos + 2 < end, let third = scalar(pos + 2) {
                    let pair = (next, third)
                    if pair == (0x72, 0x65) || pair == (0x76, 0x65) || pair == (0x6c, 0x6c) { // re, ve, ll
                        pos += 3
                        add(pos)
                        continue
                    }
                }
            }
            let space = cpt == 0x20
            var f2 = space ? flags(pos + 1) : f
            if f2.letter {
                if space { pos += 1 }
                while f2.letter { pos += 1; f2 = flags(pos) }
                add(pos)
                continue
            }
            if f2.number {
                if space { pos += 1 }
                while f2.number { pos += 1; f2 = flags(pos) }
                add(pos)
                continue
            }
            if !(f2.whitespace || f2.letter || f2.number) && f2.defined {
                if space { pos += 1 }
                while !(f2.whitespace || f2.letter || f2.number) && f2.defined { pos += 1; f2 = flags(pos) }
                add(pos)
                continue
            }
            var whitespaces = 0
            while flags(pos + whitespaces).whitespace { whitespaces += 1 }
            if whitespaces > 1 && pos + whitespaces < end {
                pos += whitespaces - 1
                add(pos)
                continue
            }
            if whitespaces > 0 {
                pos += whitespaces
                add(pos)
                continue
            }
            pos += 1
            add(pos)
        }
    }
}

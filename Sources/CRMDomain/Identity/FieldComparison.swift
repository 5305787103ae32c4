/// Compares two person records field by field, each at the strongest level both reach
/// (`MatchField.levels`). A field missing on either side is no evidence either way.
public enum FieldComparison {
    /// Bigram Dice bounds of the address levels `near`, `similar` and `weak`.
    public static let addressBands: [Double] = [0.8, 0.6, 0.35]
    /// Jaro–Winkler of the pinyin from which two names are `similar`.
    public static let similarNames = 0.88

    public static func compare(_ a: PersonFields, _ b: PersonFields) -> ComparisonVector {
        var v = ComparisonVector(levels: Array(repeating: ComparisonVector.missing, count: MatchField.allCases.count))
        if a.name != nil, b.name != nil { v[.name] = name(a, b) }
        if let x = a.birthday, let y = b.birthday { v[.birthday] = birthday(x, y) }
        if a.region != nil, b.region != nil { v[.region] = a.regionFolded == b.regionFolded ? 0 : 1 }
        if a.address != nil, b.address != nil, v[.region] != 1 { v[.address] = address(a.addressFolded, b.addressFolded) }
        if let x = a.phone, let y = b.phone { v[.phone] = x == y ? 0 : 1 }
        return v
    }

    /// `exact`, `script`, `pinyin`, `swapped`, `partial`, `one_edit`, `similar`, `different`.
    static func name(_ a: PersonFields, _ b: PersonFields) -> Int8 {
        if a.nameCompact == b.nameCompact { return 0 }
        if a.nameFolded == b.nameFolded { return 1 }
        if !a.namePinyin.isEmpty, a.namePinyin == b.namePinyin { return 2 }
        if swapped(a.nameSyllables, b.namePinyin) || swapped(b.nameSyllables, a.namePinyin) { return 3 }
        if (ideographic(a.nameFolded) && ideographic(b.nameFolded) && partial(a.nameFolded, b.nameFolded, least: 2))
            || partial(a.nameSyllables, b.nameSyllables)
        {
            return 4
        }
        if TextSimilarity.withinOneEdit(a.nameFolded, b.nameFolded) || TextSimilarity.withinOneEdit(a.namePinyin, b.namePinyin) {
            return 5
        }
        if TextSimilarity.jaroWinkler(a.namePinyin, b.namePinyin) >= similarNames { return 6 }
        return 7
    }

    /// Whether some rotation of `syllables` (the family name moved to the end, or the given name to
    /// the front) spells `pinyin`.
    static func swapped(_ syllables: [String], _ pinyin: String) -> Bool {
        // Every rotation is as long as the syllables together: most pairs differ there, before any is spelled.
        guard syllables.count >= 2, syllables.reduce(0, { $0 + $1.utf8.count }) == pinyin.utf8.count else { return false }
        for k in 1..<syllables.count where (syllables[k...] + syllables[..<k]).joined() == pinyin { return true }
        return false
    }

    /// Whether a name is written in Chinese characters (where each character is a syllable).
    static func ideographic(_ text: String) -> Bool {
        text.unicodeScalars.first?.properties.isIdeographic ?? false
    }

    /// Whether the shorter text, of at least `least` characters, is the start or the end of the longer.
    static func partial(_ a: String, _ b: String, least: Int) -> Bool {
        let (short, long) = a.unicodeScalars.count <= b.unicodeScalars.count ? (a, b) : (b, a)
        guard short.unicodeScalars.count >= least, short != long else { return false }
        return long.hasPrefix(short) || long.hasSuffix(short)
    }

    /// Whether the syllables of one name (two or more letters) are the first or the last syllables of
    /// the other: `xiaoming` and `wang xiao ming`, `wang` and `wang xiaoming`.
    static func partial(_ a: [String], _ b: [String]) -> Bool {
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        let spelled = short.joined()
        guard !short.isEmpty, spelled.count >= 2, short.count < long.count || spelled != long.joined() else { return false }
        // Only a run of syllables as long as the shorter name can spell it: compare lengths before spelling.
        let lengths = long.map(\.utf8.count), total = lengths.reduce(0, +), target = spelled.utf8.count
        var head = 0
        for k in 1..<max(1, long.count) {
            head += lengths[k - 1]
            if head == target, long[..<k].joined() == spelled { return true }
            if total - head == target, long[k...].joined() == spelled { return true }
        }
        return false
    }

    /// `exact`, `day_month_swapped`, `one_digit`, `different`.
    static func birthday(_ a: String, _ b: String) -> Int8 {
        if a == b { return 0 }
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == 10, y.count == 10 else { return 3 }
        if x[0..<4] == y[0..<4], x[5...6] == y[8...9], x[8...9] == y[5...6] { return 1 }
        return zip(x, y).filter { $0 != $1 }.count == 1 ? 2 : 3
    }

    /// `exact`, then the Dice bands of `addressBands`, then `different`.
    static func address(_ a: String, _ b: String) -> Int8 {
        if a == b { return 0 }
        let dice = TextSimilarity.dice(a, b)
        for (i, bound) in addressBands.enumerated() where dice >= bound { return Int8(i + 1) }
        return Int8(addressBands.count + 1)
    }
}

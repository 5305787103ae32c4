/// String measures that matching uses, over Unicode scalars (a Chinese character is one).
public enum TextSimilarity {
    /// Lower-cased, without white space and punctuation.
    public static func compact(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars where !WhiteSpace.contains(scalar) && !isPunctuation(scalar) {
            out.append(scalar)
        }
        return String(out)
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        // Digits, Latin letters and the unified ideographs (nearly every character of a name or an
        // address) are letters or digits: no need to look their category up.
        switch s.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x3400...0x4DBF, 0x4E00...0x9FFF: return false
        default: break
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// Edits (insert, delete, replace, swap two neighbours) from one text to the other, counted up to
    /// `limit + 1` at most: past the limit the answer is `limit + 1`, found without filling the table.
    public static func damerauLevenshtein(_ a: String, _ b: String, limit: Int = .max) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > limit { return limit == .max ? limit : limit + 1 }
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            var rowBest = Int.max
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
                rowBest = min(rowBest, d[i][j])
            }
            if rowBest > limit { return limit + 1 }
        }
        return d[x.count][y.count]
    }

    /// Whether one edit at most (insert, delete, replace, swap two neighbours) turns one text into the
    /// other: `damerauLevenshtein(a, b, limit: 1) <= 1`, found in one pass without the table (matching
    /// asks it of two names' forms for every candidate pair).
    public static func withinOneEdit(_ a: String, _ b: String) -> Bool {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        let (short, long) = x.count <= y.count ? (x, y) : (y, x)
        guard long.count - short.count <= 1 else { return false }
        var i = 0
        while i < short.count, short[i] == long[i] { i += 1 }
        if i == short.count { return true }  // equal, or one character added at the end
        if short.count == long.count {
            // One replaced, or two neighbours swapped; the rest equal.
            if short[(i + 1)...] == long[(i + 1)...] { return true }
            return i + 1 < short.count && short[i] == long[i + 1] && short[i + 1] == long[i] && short[(i + 2)...] == long[(i + 2)...]
        }
        return short[i...] == long[(i + 1)...]  // one inserted into the shorter
    }

    /// 1 − (Damerau–Levenshtein distance / longer length).
    public static func editSimilarity(_ a: String, _ b: String) -> Double {
        let n = max(a.unicodeScalars.count, b.unicodeScalars.count)
        return n == 0 ? 1 : 1 - Double(damerauLevenshtein(a, b)) / Double(n)
    }

    /// Jaro–Winkler similarity (0…1): characters in common within a window, transpositions, and a
    /// bonus for a common start of up to four characters.
    public static func jaroWinkler(_ a: String, _ b: String) -> Double {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x == y { return 1 }
        guard !x.isEmpty, !y.isEmpty else { return 0 }
        let window = max(0, max(x.count, y.count) / 2 - 1)
        var takenX = [Bool](repeating: false, count: x.count), takenY = [Bool](repeating: false, count: y.count)
        var matches = 0
        for i in x.indices {
            // Past the end of a shorter text the window is empty (and the range would be reversed).
            let from = max(0, i - window), to = min(y.count, i + window + 1)
            guard from < to else { break }
            for j in from..<to where !takenY[j] && x[i] == y[j] {
                takenX[i] = true
                takenY[j] = true
                matches += 1
                break
            }
        }
        guard matches > 0 else { return 0 }
        var transpositions = 0, j = 0
        for i in x.indices where takenX[i] {
            while !takenY[j] { j += 1 }
            if x[i] != y[j] { transpositions += 1 }
            j += 1
        }
        let m = Double(matches)
        let jaro = (m / Double(x.count) + m / Double(y.count) + (m - Double(transpositions / 2)) / m) / 3
        var prefix = 0
        while prefix < min(4, x.count, y.count), x[prefix] == y[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    /// Dice coefficient over character bigrams (robust to insertions in long addresses).
    public static func dice(_ a: String, _ b: String) -> Double {
        if a == b { return 1 }
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        guard x.count >= 2, y.count >= 2 else { return x == y ? 1 : 0 }
        var bigrams: [UInt64: Int] = [:]
        for i in 0..<(x.count - 1) { bigrams[pair(x[i], x[i + 1]), default: 0] += 1 }
        var shared = 0
        for i in 0..<(y.count - 1) {
            let key = pair(y[i], y[i + 1])
            if let n = bigrams[key], n > 0 {
                shared += 1
                bigrams[key] = n - 1
            }
        }
        return 2 * Double(shared) / Double(x.count - 1 + y.count - 1)
    }

    private static func pair(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> UInt64 { UInt64(a.value) << 32 | UInt64(b.value) }
}

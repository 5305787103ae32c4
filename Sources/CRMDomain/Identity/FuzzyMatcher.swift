/// How alike two person records are, with the part each field played.
public struct MatchScore: Sendable, Equatable {
    public var score: Double
    /// Similarity per field present in both (0…1), for the review queue and the audit.
    public var fields: [String: Double]
    /// Why the score was held below auto-merge, if it was.
    public var cappedBecause: String?
}

/// Scores pairs of person records that share no deterministic key (no phone, e-mail or platform id
/// in common). Weighted field similarities; a missing field adds nothing, so only records complete on
/// name, birthday and address can reach auto-merge. Documented in docs/identity.md.
public enum FuzzyMatcher {
    public static let weights: [String: Double] = ["name": 0.35, "birthday": 0.30, "address": 0.25, "region": 0.10]

    public static func score(_ a: PersonFields, _ b: PersonFields, autoMergeThreshold: Double) -> MatchScore {
        var fields: [String: Double] = [:]
        if let x = a.name, let y = b.name { fields["name"] = nameSimilarity(x, y) }
        if let x = a.birthday, let y = b.birthday { fields["birthday"] = birthdaySimilarity(x, y) }
        if let x = a.address, let y = b.address { fields["address"] = dice(compact(x), compact(y)) }
        if let x = a.region, let y = b.region { fields["region"] = compact(x) == compact(y) ? 1 : 0 }
        var total = 0.0
        for (field, similarity) in fields { total += weights[field]! * similarity }
        var capped: String? = nil
        let ceiling = autoMergeThreshold - 0.0001
        if let p = a.phone, let q = b.phone, p != q, total >= ceiling {
            total = ceiling
            capped = "different phones"
        } else if (fields["name"] ?? 0) < 0.999, total >= ceiling {
            total = ceiling
            capped = "names differ"
        } else if (fields["birthday"] ?? 0) < 0.999, total >= ceiling {
            total = ceiling
            capped = "birthdays differ"
        }
        // Different names are different people, however alike the rest (family members share an address).
        if (fields["name"] ?? 1) < 0.5 { total = min(total, 0.5) }
        return MatchScore(score: (total * 10_000).rounded() / 10_000, fields: fields, cappedBecause: capped)
    }

    /// Whether `score(a, b, autoMergeThreshold:).score >= threshold`, answered without the costly
    /// parts when the cheap ones already show the score cannot get there: birthday and region first,
    /// then the name, and the address (the longest comparison) only when the others leave it open.
    /// Exactly as `score` decides; ingest screens every candidate of a new account with it.
    public static func reaches(_ a: PersonFields, _ b: PersonFields, threshold: Double, autoMergeThreshold: Double) -> Bool {
        // Scores are rounded to 4 decimals: a bound below this cannot round up to the threshold.
        let below = threshold - 0.0001
        let nameWeight = a.name != nil && b.name != nil ? weights["name"]! : 0
        let addressWeight = a.address != nil && b.address != nil ? weights["address"]! : 0
        var known = 0.0
        if let x = a.birthday, let y = b.birthday { known += weights["birthday"]! * birthdaySimilarity(x, y) }
        if let x = a.region, let y = b.region, compact(x) == compact(y) { known += weights["region"]! }
        if known + nameWeight + addressWeight < below { return false }
        if let x = a.name, let y = b.name {
            let name = nameSimilarity(x, y)
            // Different names cap the whole score at 0.5.
            if name < 0.5, 0.5 < below { return false }
            if known + nameWeight * name + addressWeight < below { return false }
        }
        return score(a, b, autoMergeThreshold: autoMergeThreshold).score >= threshold
    }

    /// Name similarity: edit distance with transpositions over characters, also with the words
    /// sorted (given and family names swapped), case-insensitive.
    public static func nameSimilarity(_ a: String, _ b: String) -> Double {
        let x = a.lowercased(), y = b.lowercased()
        let direct = similarity(compact(x), compact(y))
        let sortedX = x.split(separator: " ").sorted().joined()
        let sortedY = y.split(separator: " ").sorted().joined()
        return max(direct, similarity(sortedX, sortedY))
    }

    /// 1 for the same date; 0.8 with day and month swapped; 0.7 with one digit wrong; else 0.
    public static func birthdaySimilarity(_ a: String, _ b: String) -> Double {
        if a == b { return 1 }
        let x = Array(a), y = Array(b)
        guard x.count == 10, y.count == 10 else { return 0 }
        if a.prefix(4) == b.prefix(4), String(x[5...6]) == String(y[8...9]), String(x[8...9]) == String(y[5...6]) { return 0.8 }
        let differences = zip(x, y).filter { $0 != $1 }.count
        return differences == 1 ? 0.7 : 0
    }

    /// 1 − (Damerau–Levenshtein distance / longer length).
    public static func similarity(_ a: String, _ b: String) -> Double {
        let x = Array(a), y = Array(b)
        if x.isEmpty && y.isEmpty { return 1 }
        guard !x.isEmpty, !y.isEmpty else { return 0 }
        var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return 1 - Double(d[x.count][y.count]) / Double(max(x.count, y.count))
    }

    /// Dice coefficient over character bigrams (robust to insertions in long addresses).
    public static func dice(_ a: String, _ b: String) -> Double {
        if a == b { return 1 }
        let x = Array(a), y = Array(b)
        guard x.count >= 2, y.count >= 2 else { return x == y ? 1 : 0 }
        var bigrams: [String: Int] = [:]
        for i in 0..<(x.count - 1) { bigrams[String(x[i...i + 1]), default: 0] += 1 }
        var shared = 0
        for i in 0..<(y.count - 1) {
            let key = String(y[i...i + 1])
            if let n = bigrams[key], n > 0 {
                shared += 1
                bigrams[key] = n - 1
            }
        }
        return 2 * Double(shared) / Double(x.count - 1 + y.count - 1)
    }

    /// Lower-cased, without spaces and punctuation.
    public static func compact(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { !$0.properties.isWhitespace && !CharacterSetLike.isPunctuation($0) }.map(Character.init))
    }
}

enum CharacterSetLike {
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}

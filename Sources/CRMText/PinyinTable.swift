import Foundation

/// Each Chinese character's pinyin without tones (`王` → `wang`, `綠` → `lu`), so names written in
/// characters, in another script or in Latin letters compare by sound. The readings are ICU's
/// `Han-Latin` transliteration (through Foundation's `applyingTransform`), taken once at start for
/// every character of the CJK blocks, one character a line, and kept as a table: a character with
/// several readings has the one ICU gives it alone, the same every time, which is what a matching
/// key needs.
public struct PinyinTable: Sendable {
    /// The table every comparison uses, made at first use (about 28,000 characters).
    public static let shared = PinyinTable()

    /// Characters converted: CJK extension A, the unified ideographs and the compatibility ideographs.
    static let blocks: [ClosedRange<UInt32>] = [0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF]

    let syllables: [UInt32: String]

    init() {
        let characters = Self.blocks.flatMap { $0.compactMap(Unicode.Scalar.init) }
        var text = String.UnicodeScalarView()
        for c in characters {
            text.append(c)
            text.append("\n")
        }
        let latin = String(text).applyingTransform(.toLatin, reverse: false)?.applyingTransform(.stripDiacritics, reverse: false) ?? ""
        let lines = latin.split(separator: "\n", omittingEmptySubsequences: false)
        var table: [UInt32: String] = [:]
        if lines.count >= characters.count {
            for (c, line) in zip(characters, lines) {
                let reading = line.lowercased().filter { $0.isASCII && $0.isLetter }
                if !reading.isEmpty { table[c.value] = reading }
            }
        }
        syllables = table
    }

    /// How many characters have a reading (0 when ICU's transliteration is missing).
    public var count: Int { syllables.count }

    /// The reading of one character, if it is one the table holds.
    public func reading(_ scalar: Unicode.Scalar) -> String? { syllables[scalar.value] }

    /// Pinyin syllables separated by single spaces; other text lower-cased, each run of it one word
    /// (`王小明` → `wang xiao ming`, `Wang Xiaoming` → `wang xiaoming`, `小明Li` → `xiao ming li`).
    public func spell(_ text: String) -> String {
        var words: [String] = []
        var run = ""
        func flush() {
            if !run.isEmpty { words.append(run) }
            run = ""
        }
        for scalar in text.unicodeScalars {
            if let reading = syllables[scalar.value] {
                flush()
                words.append(reading)
            } else if scalar.properties.isWhitespace || scalar == "·" || scalar == "." || scalar == "-" {
                flush()
            } else {
                run += String(scalar).lowercased()
            }
        }
        flush()
        return words.joined(separator: " ")
    }
}

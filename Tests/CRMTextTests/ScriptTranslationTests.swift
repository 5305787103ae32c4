import CRMText
import Testing

/// `ScriptFolder.translation` stands in for folding stored text at query time (SQL's `translate`).
@Suite("script folding as a translate table")
struct ScriptTranslationTests {
    let folder = ScriptFolder.shared

    /// What SQL's `translate(text, from, to)` does (one character for one; `to` as long as `from` here).
    static func translate(_ text: String, _ from: String, _ to: String) -> String {
        let map = Dictionary(zip(from.unicodeScalars, to.unicodeScalars), uniquingKeysWith: { a, _ in a })
        return String(String.UnicodeScalarView(text.unicodeScalars.map { map[$0] ?? $0 }))
    }

    @Test("translating with the short table equals a folded value exactly when folding does")
    func sameAnswers() {
        let values = ["敏感肌肤", "油性", "乾性", "M"]
        let folded = values.map(folder.fold)
        let t = folder.translation(toward: folded)
        #expect(t.from.unicodeScalars.count == t.to.unicodeScalars.count)
        #expect(t.from.unicodeScalars.count < 40, "only the characters that reach the values")
        let stored = ["敏感肌膚", "敏感肌肤", "敏感肌", "油性", "乾性", "干性", "膚", "肤", "M", "m", "敏感肌膚膚", "嚴重乾性", "乾"]
        for s in stored {
            #expect(folded.contains(Self.translate(s, t.from, t.to)) == folded.contains(folder.fold(s)), "\(s)")
        }
        #expect(folded.contains(Self.translate("敏感肌膚", t.from, t.to)))
    }
}

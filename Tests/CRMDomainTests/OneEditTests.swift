import CRMDomain
import Testing

/// The one-pass test of "one edit apart" that name matching uses says what the edit-distance table says.
@Suite("texts one edit apart")
struct OneEditTests {
    @Test(
        "each kind of edit, and what is two edits",
        arguments: [
            ("王小明", "王小明", true), ("王小明", "王晓明", true), ("王小明", "王明小", true), ("王小明", "小明", true), ("小明", "王小明", true),
            ("王小明", "王小明明", true), ("wangxiaoming", "wangxiaomnig", true), ("", "", true), ("", "a", true), ("a", "", true),
            ("王小明", "李小红", false), ("王小明", "明小王", false), ("abc", "cab", false), ("ab", "ba", true), ("abcd", "badc", false),
            ("abc", "abcde", false), ("", "ab", false),
        ] as [(String, String, Bool)])
    func cases(a: String, b: String, expected: Bool) {
        #expect(TextSimilarity.withinOneEdit(a, b) == expected)
        #expect((TextSimilarity.damerauLevenshtein(a, b, limit: 1) <= 1) == expected)
    }

    @Test("agrees with the edit-distance table on every pair of short texts over a small alphabet")
    func agreesWithTable() {
        let alphabet: [Character] = ["a", "b", "王", "小"]
        var texts = [""]
        for _ in 1...4 { texts += texts.filter { $0.count == texts.last!.count }.flatMap { t in alphabet.map { t + String($0) } } }
        #expect(texts.count == 1 + 4 + 16 + 64 + 256)
        var disagreements: [String] = []
        for a in texts {
            for b in texts where TextSimilarity.withinOneEdit(a, b) != (TextSimilarity.damerauLevenshtein(a, b, limit: 1) <= 1) {
                disagreements.append("\(a)|\(b)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }
}

import Testing

@testable import CRMText

@Suite("script folding")
struct ScriptFolderTests {
    let folder = ScriptFolder.shared

    @Test("every character OpenCC folds is folded alone and inside text, in and beyond the Basic Multilingual Plane; others are left alone")
    func everyCharacterOfTheTable() {
        var wrong: [UInt32] = []
        for (c, f) in folder.table {
            let alone = String(Unicode.Scalar(c)!)
            if folder.fold(alone) != String(f) || folder.fold("a" + alone + "丝") != "a" + String(f) + "丝" || folder.foldedIfChanged(alone) == nil {
                wrong.append(c)
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        #expect(folder.table.keys.contains { $0 >= 0x10000 }, "the table holds supplementary characters")
        #expect(folder.foldedIfChanged("丝 silk 𠀀") == nil)
    }

    @Test("Traditional and Simplified spellings fold to the same text")
    func bothScriptsMeet() {
        #expect(folder.fold("蕾絲") == folder.fold("蕾丝"))
        #expect(folder.fold("法式蕾絲文胸") == folder.fold("法式蕾丝文胸"))
        #expect(folder.fold("招商銀行大廈") == folder.fold("招商银行大厦"))
        #expect(folder.fold("法式蕾丝文胸").contains(folder.fold("蕾絲")))
        #expect(folder.fold("招商银行大厦").contains(folder.fold("銀行")))
    }

    @Test("Simplified, Latin and mixed text fold to themselves where nothing is Traditional")
    func stableText() {
        #expect(folder.fold("法式蕾丝文胸") == "法式蕾丝文胸")
        #expect(folder.fold("BRA-LACE-75B") == "BRA-LACE-75B")
        #expect(folder.fold("") == "")
        #expect(folder.fold("杭州市 emoji 😀 ok") == "杭州市 emoji 😀 ok")
        #expect(folder.foldedIfChanged("蕾丝") == nil)
        #expect(folder.foldedIfChanged("蕾絲") == "蕾丝")
    }

    @Test("character by character: a word found in a text is found in the folded text")
    func characterByCharacter() {
        #expect(folder.size > 2_000)
        for (text, word) in [("乾隆年間的蕾絲", "乾"), ("頭髮護理", "髮"), ("著作權", "著"), ("臺北市", "臺")] {
            #expect(folder.fold(text).contains(folder.fold(word)), "\(text) \(word)")
        }
        #expect(folder.fold("臺灣") == folder.fold("台湾"))
    }

    @Test("JSON text keeps its structure: only Chinese characters change")
    func jsonText() {
        let items = #"[{"category":"內衣","name":"蕾絲深V聚攏文胸","price_fen":39900,"quantity":1,"sku":"BRA-LACE-75B"}]"#
        #expect(folder.fold(items) == #"[{"category":"内衣","name":"蕾丝深V聚拢文胸","price_fen":39900,"quantity":1,"sku":"BRA-LACE-75B"}]"#)
    }
}

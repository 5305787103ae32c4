import CRMDomain
import CRMText
import Testing

@Suite("Chinese names and addresses compared across scripts and in pinyin")
struct ChineseFormsTests {
    let forms = ChineseForms.shared

    func person(_ name: String?, _ address: String? = nil) -> PersonFields {
        PersonFields(name: name, birthday: nil, address: address, region: nil, phone: nil, forms: forms)
    }

    func nameLevel(_ a: String, _ b: String) -> String {
        MatchField.name.levels[Int(FieldComparison.compare(person(a), person(b))[.name])]
    }

    @Test("pinyin from ICU: characters become toneless syllables, Latin words stay words")
    func pinyin() throws {
        _ = try ChineseForms.load()
        #expect(PinyinTable.shared.spell("王小明") == "wang xiao ming")
        #expect(PinyinTable.shared.spell("王曉明") == "wang xiao ming")
        #expect(PinyinTable.shared.spell("Wang Xiaoming") == "wang xiaoming")
        #expect(PinyinTable.shared.spell("绿") == "lu")
    }

    @Test("Traditional and Simplified are one script; sound and order are levels of their own")
    func nameLevels() {
        #expect(nameLevel("王小明", "王小明") == "exact")
        #expect(nameLevel("王曉明", "王晓明") == "script")
        #expect(nameLevel("王晓明", "王小明") == "pinyin")
        #expect(nameLevel("王小明", "Wang Xiaoming") == "pinyin")
        #expect(nameLevel("王小明", "Xiaoming Wang") == "swapped")
        #expect(nameLevel("王小明", "小明") == "partial")
        #expect(nameLevel("歐陽靜怡", "欧阳静") == "partial")
        #expect(nameLevel("王小明", "王大明") == "one_edit")
    }

    @Test("addresses fold to one script before they are compared")
    func addresses() {
        let a = person(nil, "北京市朝陽區建國路88號"), b = person(nil, "北京市朝阳区建国路88号")
        #expect(FieldComparison.compare(a, b)[.address] == 0)
    }

    @Test("records in either script, or in pinyin, share blocking keys")
    func blocking() {
        let simplified = Set(person("王小明", "上海市浦东新区世纪大道100号").blockingKeys)
        #expect(!simplified.isDisjoint(with: person("王曉明", "上海市浦東新區世紀大道100號").blockingKeys))
        #expect(simplified.contains { $0.hasPrefix("py:") })
        #expect(!simplified.isDisjoint(with: person("Wang Xiaoming").blockingKeys))
        #expect(!simplified.isDisjoint(with: person("Xiaoming Wang").blockingKeys))
    }

    @Test("a name in Latin letters is counted by its sound: Chen Wei is as common as 陈伟, 陳偉 and 晨伟 together")
    func latinNameFrequency() {
        let latin = person("Chen Wei"), simplified = person("陈伟"), traditional = person("陳偉")
        #expect(latin.nameFrequencyKey == "py:chenwei")
        #expect(simplified.nameFrequencyKey == "nm:陈伟")
        #expect(traditional.nameFrequencyKey == simplified.nameFrequencyKey)
        // Every one of them holds the Latin spelling's key, so each counts among its name's holders.
        for other in [simplified, traditional, person("晨伟"), person("CHEN wei")] {
            #expect(other.blockingKeys.contains(latin.nameFrequencyKey!))
            #expect(latin.sharesNameFrequencyKey(with: other))
        }
        #expect(!simplified.sharesNameFrequencyKey(with: latin))
        #expect(simplified.sharesNameFrequencyKey(with: traditional))
    }
}

import CRMText
import Testing

@Suite("Traditional spelling")
struct TraditionalSpellingTests {
    @Test("Simplified names and addresses come out Traditional, and fold back to themselves")
    func roundTrip() throws {
        let spelling = try TraditionalSpelling()
        #expect(spelling.traditional("张伟") == "張偉")
        #expect(spelling.traditional("广东省深圳市南山区") == "廣東省深圳市南山區")
        let folder = ScriptFolder.shared
        for text in ["刘晓燕", "陈丽华", "杭州市西湖区文三路123号5栋2单元301室", "欧阳娜娜"] {
            #expect(folder.fold(spelling.traditional(text)) == text, "\(text)")
        }
    }

    @Test("phrase by phrase: one Simplified character becomes the Traditional one its word needs")
    func phrases() throws {
        let spelling = try TraditionalSpelling()
        #expect(spelling.traditional("头发") == "頭髮")
        #expect(spelling.traditional("发展") == "發展")
    }

    @Test("text with nothing Simplified in it is left as it is")
    func unchanged() throws {
        let spelling = try TraditionalSpelling()
        #expect(spelling.traditional("") == "")
        #expect(spelling.traditional("Wang Xiaoming") == "Wang Xiaoming")
        #expect(spelling.traditional("張偉") == "張偉")
        #expect(spelling.traditional("1990-05-17") == "1990-05-17")
    }
}

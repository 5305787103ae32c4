import CRMCommandLine
import Testing

@Suite("CSV as every client writes it")
struct CSVTests {
    @Test("a field is quoted only when it holds a comma, a quote or a line break, or starts or ends with a space")
    func quoting() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("") == "")
        #expect(CSV.field("王小明") == "王小明")
        #expect(CSV.field("王, 小明") == "\"王, 小明\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("two\nlines") == "\"two\nlines\"")
        #expect(CSV.field("carriage\rreturn") == "\"carriage\rreturn\"")
        // "\r\n" is one Character, equal to neither "\r" nor "\n": still a line break.
        #expect(CSV.field("windows\r\nline") == "\"windows\r\nline\"")
        #expect(CSV.field(" leading") == "\" leading\"")
        #expect(CSV.field("trailing ") == "\"trailing \"")
        #expect(CSV.field("inner space") == "inner space")
    }

    @Test("a row joins its fields with commas and ends with \\n")
    func rows() {
        #expect(CSV.row(["member_id", "name", "tags"]) == "member_id,name,tags\n")
        #expect(CSV.row(["1001", "王, 小明", "", " VIP|新客"]) == "1001,\"王, 小明\",,\" VIP|新客\"\n")
        #expect(CSV.row([]) == "\n")
    }
}

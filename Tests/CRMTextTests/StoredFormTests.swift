import CRMDomain
import CRMText
import Testing

/// A candidate read back from its stored form compares exactly as one derived from its fields.
@Suite("a record's fields written out whole and read back")
struct StoredFormTests {
    let forms = ChineseForms.shared

    @Test(
        "reading a stored form back gives the fields deriving them gives, missing and empty parts included",
        arguments: [
            ("王曉明", "1990-05-17", "上海市浦東新區世紀大道100號3棟1201室", "上海", "+8613911110001"),
            ("Wang Xiaoming", nil, "12 Nathan Road, Kowloon", "香港", nil),
            (nil, "1985-12-01", nil, nil, nil),
            ("欧阳 娜娜", nil, "", "  ", nil),
            ("a:b~c 1:x", "~", "v1~3:", nil, "~"),
        ] as [(String?, String?, String?, String?, String?)])
    func roundTrip(name: String?, birthday: String?, address: String?, region: String?, phone: String?) throws {
        let derived = PersonFields(name: name, birthday: birthday, address: address, region: region, phone: phone, forms: forms)
        let read = try #require(PersonFields(storedForm: derived.storedForm))
        #expect(read == derived)
        #expect(read.blockingKeys == derived.blockingKeys)
        #expect(FieldComparison.compare(read, derived) == FieldComparison.compare(derived, derived))
    }

    @Test("a form of another version, cut short or with bytes left over is not read")
    func refused() {
        let form = PersonFields(name: "张敏", birthday: nil, address: nil, region: "北京", phone: nil, forms: forms).storedForm
        #expect(form.hasPrefix("v\(PersonFields.storedFormVersion);"))
        #expect(PersonFields(storedForm: "v\(PersonFields.storedFormVersion + 1)" + form.drop { $0 != ";" }) == nil)
        #expect(PersonFields(storedForm: String(form.dropLast(3))) == nil)
        #expect(PersonFields(storedForm: form + "~") == nil)
        #expect(PersonFields(storedForm: "") == nil)
        #expect(PersonFields(storedForm: "v1;" + String(repeating: "~", count: 10)) == nil)
        #expect(PersonFields(storedForm: "v1" + form.drop { $0 != ";" }.dropFirst()) == nil)
    }
}

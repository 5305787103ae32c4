import CRMDomain
import Foundation
import Testing

@Suite("money")
struct MoneyTests {
    @Test(
        "decimal yuan text becomes integer fen",
        arguments: [("399.00", 39_900), ("399", 39_900), ("0.5", 50), ("0.05", 5), ("12345.67", 1_234_567)] as [(String, Int64)])
    func parses(_ text: String, _ fen: Int64) { #expect(Money.parseFen(text) == fen) }

    @Test("anything else is refused", arguments: ["", "-1", "1.234", "1e3", "1,000", ".5", "5.", "abc", "１００", "99999999999999999999"])
    func refuses(_ text: String) { #expect(Money.parseFen(text) == nil) }

    @Test("fen format back to yuan with two decimals")
    func formats() {
        #expect(Money.format(fen: 39_900) == "399.00")
        #expect(Money.format(fen: 5) == "0.05")
    }
}

@Suite("normalisation")
struct NormalizationTests {
    @Test(
        "phones in the ways shops write them become one E.164 number",
        arguments: [
            "13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "0086 13800138000", "8613800138000", "＋８６ １３８００１３８０００",
        ])
    func phones(_ text: String) { #expect(PhoneNumber.normalize(text) == "+8613800138000") }

    @Test("landlines and foreign numbers")
    func otherPhones() {
        #expect(PhoneNumber.normalize("021-6888 8888") == "+862168888888")
        #expect(PhoneNumber.normalize("+852 9123 4567") == "+85291234567")
    }

    @Test("what cannot be a phone is refused", arguments: ["", "abc", "138001380", "1380013800099", "12+34", "+86 1380013800"])
    func badPhones(_ text: String) { #expect(PhoneNumber.normalize(text) == nil) }

    @Test("e-mail is trimmed and lower-cased")
    func emails() {
        #expect(EmailAddress.normalize("  XM@Example.COM ") == "xm@example.com")
        #expect(EmailAddress.normalize("no-at-sign") == nil)
        #expect(EmailAddress.normalize("a@b") == nil)
        #expect(EmailAddress.normalize("a@@b.com") == nil)
    }

    @Test("text keys fold full-width forms and white space")
    func textKeys() {
        #expect(TextKey.normalize("  王　小明  ") == "王 小明")
        #expect(TextKey.normalize("ＡＢＣ１２３") == "ABC123")
    }

    @Test(
        "text that skips NFKC comes out as NFKC would make it",
        arguments: ["王小明", "Wang Xiaoming", "上海市浦东新区世纪大道100号1201室", "歐陽靜怡", "e\u{301}", "ｶﾀｶﾅ", "①②", "ﬁ", "㍻", "王　小明", "Ａ王"])
    func textKeysAsNFKC(_ text: String) {
        var nfkc = ""
        var pending = false
        for scalar in text.precomposedStringWithCompatibilityMapping.unicodeScalars {
            if scalar.properties.isWhitespace {
                pending = !nfkc.isEmpty
            } else {
                if pending { nfkc.append(" ") }
                pending = false
                nfkc.unicodeScalars.append(scalar)
            }
        }
        #expect(TextKey.normalize(text) == nfkc)
    }

    @Test("birthdays in the usual formats", arguments: ["1990-05-17", "1990/5/17", "19900517", "1990.05.17", "1990年5月17日"])
    func birthdays(_ text: String) { #expect(BirthDate.normalize(text) == "1990-05-17") }

    @Test("impossible dates are refused", arguments: ["1990-02-30", "1899-01-01", "1990-13-01", "May 17", "2001-02-29"])
    func badBirthdays(_ text: String) { #expect(BirthDate.normalize(text) == nil) }

    @Test("a leap day is a date")
    func leapDay() { #expect(BirthDate.normalize("2000-02-29") == "2000-02-29") }
}

@Suite("masking")
struct MaskingTests {
    @Test("analysts see enough to recognise, not to contact")
    func masks() {
        #expect(Masking.phone("+8613800138000") == "138****8000")
        #expect(Masking.email("xm@example.com") == "x***@example.com")
        #expect(Masking.name("王小明") == "王**")
        #expect(Masking.birthday("1990-05-17") == "1990-**-**")
        #expect(Masking.address("上海市浦东新区世纪大道100号") == "上海市浦东新****")
    }
}

@Suite("timestamps")
struct TimestampTests {
    @Test("RFC 3339 date-times", arguments: ["2026-03-01T10:00:00+08:00", "2026-03-01T02:00:00Z", "2026-03-01T02:00:00.123456Z"])
    func valid(_ text: String) { #expect(Timestamp.isRFC3339(text)) }

    @Test("not RFC 3339", arguments: ["2026-03-01", "2026-03-01 10:00", "2026-02-30T00:00:00Z", "2026-03-01T10:00:00+8:00", "2026-03-01T10:00:00"])
    func invalid(_ text: String) { #expect(!Timestamp.isRFC3339(text)) }
}

/// The fast answers matching uses agree with Unicode's tables on every code point.
@Suite("character classes without the property tables")
struct CharacterClassTests {
    @Test("WhiteSpace says what the White_Space property says, for every scalar and as Character.isWhitespace does")
    func whiteSpace() {
        var disagreements: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let s = Unicode.Scalar(value) else { continue }
            if WhiteSpace.contains(s) != s.properties.isWhitespace { disagreements.append(value) }
            if WhiteSpace.contains(Character(s)) != Character(s).isWhitespace { disagreements.append(value) }
        }
        #expect(disagreements.isEmpty)
        #expect(WhiteSpace.contains(Character("\r\n")) == Character("\r\n").isWhitespace)
    }

    @Test("the letters and digits punctuation skips looking up are letters and digits")
    func punctuationShortcut() {
        for range in [0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x3400...0x4DBF, 0x4E00...0x9FFF] as [ClosedRange<UInt32>] {
            for value in range {
                let s = Unicode.Scalar(value)!
                let lettersOrDigits: Set<Unicode.GeneralCategory> = [.uppercaseLetter, .lowercaseLetter, .otherLetter, .decimalNumber]
                #expect(lettersOrDigits.contains(s.properties.generalCategory), "U+\(String(value, radix: 16))")
            }
        }
        #expect(TextSimilarity.compact("上海市，浦東 新區-100號!") == "上海市浦東新區100號")
    }
}

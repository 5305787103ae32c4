import CRMDomain
import Testing

@Suite("identity keys and placeholders")
struct IdentityKeyTests {
    @Test("keys come out normalised and strongest first")
    func keys() {
        let profile = MemberProfile(externalID: "u1", phone: "138 0013 8000", email: " XM@Example.com ", platformIDs: ["wechat_unionid": "o6_x"])
        let keys = IdentityKey.keys(of: profile, priority: ["phone", "email", "wechat_unionid"])
        #expect(keys == [IdentityKey(kind: "phone", value: "+8613800138000"), IdentityKey(kind: "email", value: "xm@example.com"), IdentityKey(kind: "wechat_unionid", value: "o6_x")])
    }

    @Test("placeholder phones are recognised", arguments: ["+8613800000000", "+8611111111111", "+8613912345678", "+8618888888888"])
    func placeholders(_ phone: String) { #expect(PlaceholderKey.isPlaceholderPhone(phone)) }

    @Test("real-looking phones are not placeholders", arguments: ["+8613800138000", "+8613917235526", "+85291234567"])
    func realPhones(_ phone: String) { #expect(!PlaceholderKey.isPlaceholderPhone(phone)) }

    @Test("the default policy is valid; broken ones say why")
    func policy() {
        #expect(IdentityPolicy().problems().isEmpty)
        var p = IdentityPolicy()
        p.reviewThreshold = 0.99
        p.channelTrust = [.web]
        #expect(p.problems().count == 2)
    }
}

@Suite("fuzzy matching")
struct FuzzyMatcherTests {
    let threshold = 0.93

    func person(_ name: String?, _ birthday: String?, _ address: String?, _ region: String? = "上海", phone: String? = nil) -> PersonFields {
        PersonFields(name: name, birthday: birthday, address: address, region: region, phone: phone)
    }

    @Test("the same complete record with a small address difference auto-merges")
    func sameComplete() {
        let s = FuzzyMatcher.score(person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号 1201室"), autoMergeThreshold: threshold)
        #expect(s.score >= threshold)
    }

    @Test("a typo in the name goes to review, never auto-merge")
    func nameTypo() {
        let s = FuzzyMatcher.score(person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), person("王小名", "1990-05-17", "上海市浦东新区世纪大道100号"), autoMergeThreshold: threshold)
        #expect(s.score < threshold)
        #expect(s.score >= 0.75)
    }

    @Test("family members at one address are not a match")
    func family() {
        let s = FuzzyMatcher.score(person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), person("李美華", "1962-11-02", "上海市浦东新区世纪大道100号"), autoMergeThreshold: threshold)
        #expect(s.score < 0.75)
    }

    @Test("a missing address keeps even a perfect name and birthday out of auto-merge")
    func missingField() {
        let s = FuzzyMatcher.score(person("王小明", "1990-05-17", nil), person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), autoMergeThreshold: threshold)
        #expect(s.score < threshold)
        #expect(s.score >= 0.75)
    }

    @Test("different phones hold a perfect record below auto-merge")
    func differentPhones() {
        let a = person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号", phone: "+8613800138000")
        let b = person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号", phone: "+8613900139000")
        let s = FuzzyMatcher.score(a, b, autoMergeThreshold: threshold)
        #expect(s.score < threshold)
        #expect(s.cappedBecause == "different phones")
    }

    @Test("swapped words, swapped letters and swapped day and month are recognised")
    func swaps() {
        #expect(FuzzyMatcher.nameSimilarity("John Smith", "Smith John") == 1)
        #expect(FuzzyMatcher.similarity("jonh", "john") == 0.75)
        #expect(FuzzyMatcher.birthdaySimilarity("1990-05-07", "1990-07-05") == 0.8)
        #expect(FuzzyMatcher.birthdaySimilarity("1990-05-17", "1990-05-18") == 0.7)
        #expect(FuzzyMatcher.birthdaySimilarity("1990-05-17", "1985-01-02") == 0)
    }

    @Test("blocking keys group records that could match")
    func blocking() {
        let a = person("王小明", "1990-05-17", nil)
        let b = person("王小名", "1990-05-17", nil)
        #expect(!Set(a.blockingKeys).isDisjoint(with: b.blockingKeys))
    }
}

@Suite("survivorship")
struct SurvivorshipTests {
    @Test("the most trusted channel wins, then the most recent non-empty value")
    func golden() {
        let accounts = [
            AccountView(channel: .groupBuy, updatedAt: "2026-03-05T00:00:00.000Z", fields: ["name": "王小明", "phone": "+8613800138000", "region": "北京"]),
            AccountView(channel: .web, updatedAt: "2026-01-01T00:00:00.000Z", fields: ["name": "王 小明", "region": ""]),
            AccountView(channel: .web, updatedAt: "2026-02-01T00:00:00.000Z", fields: ["email": "xm@example.com"]),
        ]
        let g = Survivorship.golden(accounts, trust: [.web, .mobile, .groupBuy])
        #expect(g["name"] == "王 小明")
        #expect(g["email"] == "xm@example.com")
        #expect(g["phone"] == "+8613800138000")
        #expect(g["region"] == "北京")
        #expect(g["address"] == nil)
    }
}

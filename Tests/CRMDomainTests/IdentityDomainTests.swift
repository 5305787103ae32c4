import CRMDomain
import Testing

@Suite("identity keys and placeholders")
struct IdentityKeyTests {
    @Test("keys come out normalised and strongest first")
    func keys() {
        let profile = MemberProfile(externalID: "u1", phone: "138 0013 8000", email: " XM@Example.com ", platformIDs: ["wechat_unionid": "o6_x"])
        let keys = IdentityKey.keys(of: profile, priority: ["phone", "email", "wechat_unionid"])
        #expect(
            keys == [
                IdentityKey(kind: "phone", value: "+8613800138000"), IdentityKey(kind: "email", value: "xm@example.com"),
                IdentityKey(kind: "wechat_unionid", value: "o6_x"),
            ])
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
        PersonFields(name: name, birthday: birthday, address: address, region: region, phone: phone, forms: PlainForms())
    }

    @Test("the same complete record with a small address difference auto-merges")
    func sameComplete() {
        let s = FuzzyMatcher.score(
            person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号 1201室"), autoMergeThreshold: threshold)
        #expect(s.score >= threshold)
    }

    @Test("a typo in the name goes to review, never auto-merge")
    func nameTypo() {
        let s = FuzzyMatcher.score(
            person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), person("王小名", "1990-05-17", "上海市浦东新区世纪大道100号"), autoMergeThreshold: threshold)
        #expect(s.score < threshold)
        #expect(s.score >= 0.75)
    }

    @Test("family members at one address are not a match")
    func family() {
        let s = FuzzyMatcher.score(
            person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), person("李美華", "1962-11-02", "上海市浦东新区世纪大道100号"), autoMergeThreshold: threshold)
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

    @Test("the quick screen decides as the full score does, for every threshold")
    func screenAgreesWithScore() {
        // Variations of the kind shops send: typos, swapped words, day and month swapped, missing fields.
        let names: [String?] = ["王小明", "王小名", "王 小明", "小明 王", "李美華", "李美华", "John Smith", "Smith John", "Jon Smith", nil]
        let birthdays: [String?] = ["1990-05-17", "1990-17-05", "1990-05-18", "1990-07-05", "1985-01-02", nil]
        let addresses: [String?] = ["上海市浦东新区世纪大道100号", "上海市浦东新区世纪大道100号 1201室", "北京市朝阳区建国路88号", "上海市浦東新區世紀大道100號", nil]
        let regions: [String?] = ["上海", "北京", nil]
        let phones: [String?] = ["13800138000", "13900139000", nil]
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func pick<T>(_ xs: [T]) -> T {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return xs[Int((seed >> 33) % UInt64(xs.count))]
        }
        var reached = 0
        for _ in 0..<4_000 {
            let a = PersonFields(name: pick(names), birthday: pick(birthdays), address: pick(addresses), region: pick(regions), phone: pick(phones), forms: PlainForms())
            let b = PersonFields(name: pick(names), birthday: pick(birthdays), address: pick(addresses), region: pick(regions), phone: pick(phones), forms: PlainForms())
            for review in [0.3, 0.5, 0.6, 0.75, 0.8, 0.9, 0.93] {
                let full = FuzzyMatcher.score(a, b, autoMergeThreshold: threshold).score >= review
                #expect(FuzzyMatcher.reaches(a, b, threshold: review, autoMergeThreshold: threshold) == full, "\(a) vs \(b) at \(review)")
                if full { reached += 1 }
            }
        }
        #expect(reached > 1_000, "the sample must contain pairs on both sides of the thresholds")
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

@Suite("the identity guards both merge paths ask")
struct IdentityGuardTests {
    static let phone = IdentityKey(kind: "phone", value: "+8613800138000")
    static let email = IdentityKey(kind: "email", value: "xm@example.com")
    static let quiet = IdentityGuards.KeyUse(blocklisted: false, mostInOneShopChannel: 1, accounts: 2)

    @Test("a key is stopped by its value alone before the database is asked, then by the blocklist and how many hold it")
    func keyGuards() {
        var policy = IdentityPolicy()
        policy.blockedKeys = [Self.email]
        let guards = IdentityGuards(policy: policy)
        var asked = 0
        let use = { (u: IdentityGuards.KeyUse) in
            { () -> IdentityGuards.KeyUse in
                asked += 1; return u
            }
        }
        #expect(guards.stop(key: IdentityKey(kind: "phone", value: "+8613800000000"), use: use(Self.quiet)) == .blocked)
        #expect(guards.stop(key: Self.email, use: use(Self.quiet)) == .blocked)
        #expect(asked == 0)
        #expect(guards.stop(key: Self.phone, use: use(Self.quiet)) == nil)
        #expect(guards.stop(key: Self.phone, use: use(.init(blocklisted: true, mostInOneShopChannel: 1, accounts: 1))) == .blocked)
        #expect(
            guards.stop(key: Self.phone, use: use(.init(blocklisted: false, mostInOneShopChannel: 2, accounts: 2))) == .sharedInChannel(accounts: 2, limit: 1))
        #expect(
            guards.stop(key: Self.phone, use: use(.init(blocklisted: false, mostInOneShopChannel: 1, accounts: 21))) == .sharedWidely(accounts: 21, limit: 20))
        #expect(guards.stop(key: Self.phone, use: use(.init(blocklisted: false, mostInOneShopChannel: 1, accounts: 20))) == nil)
    }

    @Test("separated members never merge; different phones veto merging on a weaker key, a phone only one side has does not")
    func pairGuards() {
        let guards = IdentityGuards(policy: IdentityPolicy())
        func stop(on kind: String, separated: Bool = false, theirs: [String: Set<String>]) -> IdentityGuards.Fired? {
            guards.stop(mergingOn: kind, keys: [Self.phone, Self.email], separated: { separated }, stored: { $0.value }, theirValues: { theirs[$0] ?? [] })
        }
        #expect(stop(on: "email", separated: true, theirs: [:]) == .separated)
        #expect(stop(on: "email", theirs: ["phone": ["+8613900139000"]]) == .priorityConflict(strongerKind: "phone"))
        #expect(stop(on: "email", theirs: ["phone": ["+8613900139000", Self.phone.value]]) == nil)
        #expect(stop(on: "email", theirs: [:]) == nil)
        #expect(stop(on: "phone", theirs: ["phone": ["+8613900139000"]]) == nil)  // nothing is stronger than the linking key
        #expect(IdentityGuards.Fired.priorityConflict(strongerKind: "phone").name == "priority_conflict")
    }
}

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
        p.reviewThreshold = 0.9995  // above auto-merge
        p.channelTrust = [.web]
        #expect(p.problems().count == 2)
    }
}

@Suite("matching records without a shared key (the untrained model, default thresholds)")
struct FuzzyMatchingTests {
    let policy = IdentityPolicy()

    func person(_ name: String?, _ birthday: String?, _ address: String?, _ region: String? = "上海", phone: String? = nil) -> PersonFields {
        PersonFields(name: name, birthday: birthday, address: address, region: region, phone: phone, forms: PlainForms())
    }

    func decide(_ a: PersonFields, _ b: PersonFields) -> (MatchDecision, PairScore) {
        MatchDecision.decide(MatchModel.untrained.score(FieldComparison.compare(a, b)), a, b, policy: policy)
    }

    @Test("the default thresholds are probabilities: merge from 0.999, review from 0.9")
    func thresholds() {
        #expect(policy.autoMergeThreshold == 0.999)
        #expect(policy.reviewThreshold == 0.9)
        var p = policy
        p.autoMergeThreshold = 1
        #expect(p.problems() == ["auto_merge_threshold must be a probability from 0.5 to below 1"])
        p = policy
        p.maxCandidates = 0
        #expect(p.problems() == ["max_candidates must be 1...5000"])
    }

    @Test("the same complete record with a small address difference auto-merges")
    func sameComplete() {
        let (decision, score) = decide(
            person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号 1201室"))
        #expect(decision == .merge)
        #expect(score.probability >= 0.999)
    }

    @Test("a typo in the name goes to review, never auto-merge")
    func nameTypo() {
        let (decision, score) = decide(person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), person("王小名", "1990-05-17", "上海市浦东新区世纪大道100号"))
        #expect(decision == .review)
        #expect(score.contributions[MatchField.name.index].level == "one_edit")
    }

    @Test("family members at one address are not a match")
    func family() {
        let (decision, score) = decide(person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), person("李美華", "1962-11-02", "上海市浦东新区世纪大道100号"))
        #expect(decision == .none)
        #expect(score.probability < 0.5)
    }

    @Test("a missing address keeps even a perfect name and birthday out of auto-merge")
    func missingField() {
        let (decision, score) = decide(person("王小明", "1990-05-17", nil), person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"))
        #expect(decision == .review)
        #expect(score.contributions[MatchField.address.index].level == nil)
        #expect(score.contributions[MatchField.address.index].bits == 0)
    }

    @Test("different phones hold a perfect record below auto-merge")
    func differentPhones() {
        let a = person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号", phone: "+8613800138000")
        let b = person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号", phone: "+8613900139000")
        let (decision, score) = decide(a, b)
        #expect(decision == .review)
        #expect(score.heldBack == "different phones")
    }

    @Test("swapped words, swapped letters and swapped day and month are recognised")
    func swaps() {
        func levels(_ a: PersonFields, _ b: PersonFields) -> String { FieldComparison.compare(a, b).description }
        #expect(levels(person("John Smith", nil, nil, nil), person("Smith John", nil, nil, nil)).hasPrefix("name=swapped"))
        #expect(levels(person("jonh", nil, nil, nil), person("john", nil, nil, nil)).hasPrefix("name=one_edit"))
        #expect(levels(person(nil, "1990-05-07", nil, nil), person(nil, "1990-07-05", nil, nil)).contains("birthday=day_month_swapped"))
        #expect(levels(person(nil, "1990-05-17", nil, nil), person(nil, "1990-05-18", nil, nil)).contains("birthday=one_digit"))
        #expect(levels(person(nil, "1990-05-17", nil, nil), person(nil, "1985-01-02", nil, nil)).contains("birthday=different"))
    }

    @Test("a name of average frequency scores as an unknown one; a common one less, a rare one more, at every agreeing level")
    func termFrequencyScales() {
        let model = MatchModel.untrained
        for level in MatchModel.termFrequencyLevels {
            let plain = model.bits(.name, level: level).bits
            #expect(abs(model.bits(.name, level: level, nameFrequency: model.u[MatchField.name.index][0]).bits - plain) < 1e-9)
            #expect(model.bits(.name, level: level, nameFrequency: 0.05).bits < plain)
        }
        // The estimate leans on the model's average name until thousands of accounts say otherwise.
        let few = NameFrequency.estimate(holders: 2, accounts: 3, model: model)
        #expect(abs(few / model.u[MatchField.name.index][0] - 1) < 0.2)
        #expect(NameFrequency.estimate(holders: 20_000, accounts: 1_000_000, model: model) > 0.015)
    }

    @Test("Jaro–Winkler of texts of very different lengths (a window past the shorter one's end)")
    func jaroWinklerLengths() {
        #expect(TextSimilarity.jaroWinkler("wangxiaomingabcdefghij", "wa") > 0)
        #expect(TextSimilarity.jaroWinkler("ab", "abcdefghijklmnopqrstuvwxyz") > 0)
        #expect(TextSimilarity.jaroWinkler("zzzzzzzzzzzz", "ab") == 0)
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

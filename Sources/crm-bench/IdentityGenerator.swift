import ArgumentParser
import CRMDomain
import CRMProtocol
import CRMText
import Foundation

/// `crm-bench identity-generate`: made-up Chinese people, each registered in one to four shop
/// channels with the mistakes real registrations carry, written as `crm-bench generate` writes a
/// merchant (one directory per shop, one JSON-lines file per channel: what `store-sync push` reads),
/// plus `truth.tsv`: which account belongs to which person (and household: the person a family
/// member lives with, else the person), and how the record was corrupted. `scripts/bench identity` measures
/// identity resolution against that truth. The same seed makes the same records.
struct IdentityGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity-generate",
        abstract: "Write synthetic Chinese person records with known ground truth, one directory per shop, and truth.tsv.")

    @Option(help: "People to make (family members included).") var people = 5_000
    @Option(help: "Number of the first person: sets made for one database must not overlap (external ids carry it).") var firstPerson = 1
    @Option(help: "Share of records that carry a phone (the rest carry no phone and no e-mail).") var phones = 0.2
    @Option(help: "Share of people who live with one or two others of the same surname, at one address with one phone.") var families = 0.08
    @Option(help: "Average paid orders per record.") var orders = 0.3
    @Option(help: "Seed of the random choices.") var seed: UInt64 = 1
    @Option(help: "Directory to write (made if missing; its shop directories are replaced).") var out: String

    func validate() throws {
        guard (1...2_000_000).contains(people), (1...100_000_000).contains(firstPerson) else {
            throw ValidationError("--people 1...2000000, --first-person 1...100000000")
        }
        guard (0...1).contains(phones), (0...1).contains(families), (0...10).contains(orders) else {
            throw ValidationError("--phones 0...1, --families 0...1, --orders 0...10")
        }
    }

    func run() throws {
        var generator = try IdentityGenerator(seed: seed, phones: phones, families: families, orders: orders)
        print(try generator.write(people: people, firstPerson: firstPerson, to: out))
    }
}

/// Makes the people and their records. A person is drawn whole (surname by its share of China's
/// population, given name from common given-name characters so that 张伟 and 王芳 recur as they do,
/// birthday, province, a full address, a phone); each record is a copy of the person with, each
/// drawn on its own for every record, at the rates of `Rates`:
/// - `name_typo`: one character of the name replaced, mostly by a homophone (伟 → 玮), else by any
///   given-name character; `address_typo`: one character or digit of the address replaced;
/// - `traditional_name`, `traditional_address`: written in Traditional characters (OpenCC's `s2t`,
///   through `TraditionalSpelling`; the address's region with it);
/// - `pinyin`: the name in pinyin without tones, `Wang Xiaoming`, or `Xiaoming Wang`;
/// - `swapped`: given name before surname (`小明王`, `小明 王`);
/// - `no_birthday`, `no_address`, `no_surname`, `no_given_name`: a field missing;
/// - `birthday_swapped` (day and month, when both are ≤ 12), `birthday_digit` (one or two digits);
/// - `moved`: a new address, in the same province or another one;
/// - `changed_phone`: another phone number (only on records that carry a phone).
/// Family members are separate people who share the surname, address, region and phone of the
/// person they live with; their given names and birthdays differ.
struct IdentityGenerator {
    /// Per-record rates of each corruption (shares of records).
    enum Rates {
        static let nameTypo = 0.06
        static let addressTypo = 0.06
        static let traditional = 0.10  // of which a half both fields, a quarter the name only, a quarter the address only
        static let pinyin = 0.05
        static let swapped = 0.03
        static let noBirthday = 0.10
        static let noAddress = 0.08
        static let noNamePart = 0.03  // two thirds the surname missing, a third the given name
        static let birthdaySwapped = 0.02
        static let birthdayDigits = 0.04  // two thirds one digit, a third two
        static let moved = 0.06  // 60 % in the same province
        static let changedPhone = 0.05
        /// Records per person: 1, 2, 3 or 4 with these shares (mean 2.5).
        static let recordCounts = [0.2, 0.3, 0.3, 0.2]
    }

    static let shops = ["sh01", "sh02", "sh03"]
    static let channels = ["mobile", "web", "group_buy"]
    static let lastDay = MerchantGenerator.day("2026-11-20")!

    struct Person {
        var number: Int
        /// The person this one lives with (their own number when they live alone).
        var household: Int
        var surname: String
        var given: String
        var female: Bool
        var birthday: (Int, Int, Int)
        var province: Int
        var address: String
        var phone: String
    }

    /// One account's fields as its shop channel sends them.
    struct Record {
        var name: String?
        var birthday: String?
        var region: String?
        var address: String?
        var phone: String?
        var corruptions: [String] = []
    }

    var random: SplitMix64
    let phones: Double
    let families: Double
    let orders: Double
    let spelling: TraditionalSpelling
    /// Characters that read alike (same toneless pinyin), for typos a phone keyboard makes.
    let homophones: [Character: [Character]]
    var orderMaker: MerchantGenerator

    init(seed: UInt64, phones: Double, families: Double, orders: Double) throws {
        random = SplitMix64(seed: seed)
        self.phones = phones
        self.families = families
        self.orders = orders
        spelling = try TraditionalSpelling()
        homophones = Self.homophoneGroups()
        orderMaker = MerchantGenerator(shops: 3, multiChannel: 0, ordersPerAccount: 0, lastDay: Self.lastDay, seed: SplitMix64.mix(seed))
    }

    /// What `write` collects before writing: each shop channel's events, the truth and counts.
    struct Output {
        var streams: [String: MerchantGenerator.Stream] = [:]
        var truth = "shop\tchannel\texternal_id\tperson\thousehold\tcorruptions\n"
        var counts: [String: Int] = [:]
        var examples: [String] = []
    }

    /// Writes the shop directories and truth.tsv; returns a one-line summary.
    mutating func write(people: Int, firstPerson: Int, to directory: String) throws -> String {
        var out = Output()
        // A family's members come right after the person they live with.
        var head: Person? = nil
        var familyLeft = 0
        for number in firstPerson..<(firstPerson + people) {
            let person: Person
            if familyLeft > 0, let head {
                person = familyMember(of: head, number: number)
                familyLeft -= 1
                out.counts["family_members", default: 0] += 1
            } else {
                person = makePerson(number)
                head = person
                familyLeft = random.unit() < families ? (random.unit() < 0.7 ? 1 : 2) : 0
            }
            // Registered within two years, the last channel at least a month before the last day.
            let registered = (Self.lastDay - 730 + random.below(600)) * 1440 + 480 + random.below(900)
            for (k, place) in pickShopChannels().enumerated() {
                emit(person, in: place, at: registered + k * 1440 * random.below(30), into: &out)
            }
        }
        let total = try MerchantGenerator.writeFiles(out.streams, examples: out.examples, shops: Self.shops.count, to: directory)
        try out.truth.write(toFile: directory + "/truth.tsv", atomically: true, encoding: .utf8)
        out.counts["people"] = people
        return "events=\(total) first_person=\(firstPerson) " + out.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            + " dir=\(directory)"
    }

    /// One record of `person` in a shop channel (its member.upsert, a few orders, its truth line).
    mutating func emit(_ person: Person, in place: (shop: String, channel: String), at: Int, into out: inout Output) {
        let (shop, channel) = place
        let file = shop + "/" + channel + ".jsonl"
        let record = corrupt(person)
        let external = "\(channel.prefix(1))\(person.number)"
        out.streams[file, default: .init()].lines.append((at, upsert(record, person: person, channel: channel, external: external, at: at)))
        out.counts["member.upsert", default: 0] += 1
        for c in record.corruptions { out.counts[c, default: 0] += 1 }
        let corruptions = record.corruptions.isEmpty ? "-" : record.corruptions.joined(separator: ",")
        out.truth += "\(shop)\t\(channel)\t\(external)\t\(person.number)\t\(person.household)\t\(corruptions)\n"
        if out.examples.count < 20, !record.corruptions.isEmpty {
            out.examples.append("\(person.number)\t\(shop)/\(channel)\t\(record.name ?? "-")\t\(corruptions)")
        }
        while random.unit() < orders / (orders + 1) {
            let paidAt = at + 60 + random.below(max(1, Self.lastDay * 1440 - at - 60))
            let orderNo = "I\(person.number)\(channel.prefix(1).uppercased())\(shop.suffix(1))-\(out.counts["order.paid", default: 0])"
            out.streams[file, default: .init()].lines.append((paidAt, orderMaker.order(orderNo, channel: channel, external: external, at: paidAt).0))
            out.counts["order.paid", default: 0] += 1
        }
    }

    /// One to four distinct shop channels of the nine.
    mutating func pickShopChannels() -> [(shop: String, channel: String)] {
        var n = 1
        var roll = random.unit()
        for share in Rates.recordCounts.dropLast() {
            guard roll >= share else { break }
            roll -= share
            n += 1
        }
        var all = Self.shops.flatMap { shop in Self.channels.map { (shop: shop, channel: $0) } }
        var picked: [(shop: String, channel: String)] = []
        for _ in 0..<n { picked.append(all.remove(at: random.below(all.count))) }
        return picked
    }
}

// MARK: - People

extension IdentityGenerator {
    mutating func makePerson(_ number: Int) -> Person {
        let female = random.unit() < 0.5
        let province = weighted(Self.provinces.map { $0.weight })
        // Unique per person: the last eight digits are a permutation of the number.
        let scrambled = (UInt64(number) &* 2_654_435_761) % 100_000_000
        let prefixes = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "186", "187", "188", "189"]
        return Person(
            number: number, household: number, surname: Self.surnames[weighted(Self.surnames.map { $0.1 })].0, given: givenName(female: female), female: female,
            birthday: birthday(), province: province, address: address(in: province),
            phone: prefixes[number % prefixes.count] + String(format: "%08d", Int(scrambled)))
    }

    /// Someone living with `head`: same surname, address and phone; another given name and birthday.
    mutating func familyMember(of head: Person, number: Int) -> Person {
        var p = head
        p.number = number
        p.female = random.unit() < 0.5
        repeat { p.given = givenName(female: p.female) } while p.given == head.given
        repeat { p.birthday = birthday() } while p.birthday == head.birthday
        return p
    }

    /// 30 % one character, 20 % a common two-character name, else two characters drawn by their use.
    mutating func givenName(female: Bool) -> String {
        let pool = female ? Self.femaleCharacters : Self.maleCharacters
        let roll = random.unit()
        if roll < 0.3 { return String(pool[zipf(pool.count)]) }
        if roll < 0.5 {
            let names = female ? Self.femaleNames : Self.maleNames
            return names[random.below(names.count)]
        }
        return String(pool[zipf(pool.count)]) + String(pool[zipf(pool.count)])
    }

    mutating func birthday() -> (Int, Int, Int) {
        let (y, m, d) = MerchantGenerator.civil(MerchantGenerator.daysFromCivil(1955, 1, 1) + random.below(50 * 365))
        return (y, m, d)
    }

    /// City, district, street and number, then a building, unit and room (sometimes in a named estate).
    mutating func address(in province: Int) -> String {
        let cities = Self.provinces[province].cities
        let (city, districts) = cities[random.below(cities.count)]
        var text = city + districts[random.below(districts.count)] + Self.streets[random.below(Self.streets.count)] + "\(1 + random.below(999))号"
        if random.unit() < 0.5 { text += Self.estates[random.below(Self.estates.count)] }
        text += "\(1 + random.below(30))栋"
        if random.unit() < 0.6 { text += "\(1 + random.below(6))单元" }
        return text + "\(1 + random.below(30))\(String(format: "%02d", 1 + random.below(6)))室"
    }

    /// An index drawn with the weights given.
    mutating func weighted(_ weights: [Int]) -> Int {
        var roll = random.below(weights.reduce(0, +))
        for (i, w) in weights.enumerated() {
            if roll < w { return i }
            roll -= w
        }
        return weights.count - 1
    }

    /// An index below `n`, small ones more often (weight 1 / (rank + 4)): a few characters are in
    /// many names, as 伟, 芳 and 静 are.
    mutating func zipf(_ n: Int) -> Int {
        let weights = (0..<n).map { 1.0 / Double($0 + 4) }
        var roll = random.unit() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            if roll < w { return i }
            roll -= w
        }
        return n - 1
    }
}

// MARK: - Records

extension IdentityGenerator {
    /// A copy of `p` as one shop channel has it, each corruption drawn on its own.
    mutating func corrupt(_ p: Person) -> Record {
        var r = Record()
        var province = p.province, address = p.address
        if random.unit() < Rates.moved {
            if random.unit() >= 0.6 { province = weighted(Self.provinces.map { $0.weight }) }
            address = self.address(in: province)
            r.corruptions.append("moved")
        }
        if random.unit() < Rates.addressTypo {
            address = typo(in: address)
            r.corruptions.append("address_typo")
        }
        r.region = Self.provinces[province].name
        r.address = address
        if random.unit() < Rates.noAddress {
            r.address = nil
            r.corruptions.append("no_address")
        }
        r.birthday = corruptBirthday(p.birthday, &r.corruptions)
        r.name = corruptName(p, &r.corruptions)
        let traditional = random.unit() < Rates.traditional ? random.below(4) : -1
        if traditional >= 0, traditional != 1 {
            r.region = r.region.map(spelling.traditional)
            r.address = r.address.map(spelling.traditional)
            r.corruptions.append("traditional_address")
        }
        if traditional >= 0, traditional != 2, !r.corruptions.contains("pinyin") {
            r.name = r.name.map(spelling.traditional)
            r.corruptions.append("traditional_name")
        }
        if random.unit() < phones {
            r.phone = p.phone
            if random.unit() < Rates.changedPhone {
                r.phone = "139" + String(format: "%08d", random.below(100_000_000))
                r.corruptions.append("changed_phone")
            }
        }
        return r
    }

    mutating func corruptName(_ p: Person, _ corruptions: inout [String]) -> String {
        var surname = p.surname, given = p.given
        if random.unit() < Rates.nameTypo {
            // A surname is mistyped only as a homophone (章 for 张); a random character would make it a stranger's.
            if random.unit() < 0.2, surname.count == 1, let alike = homophones[surname.first!] {
                surname = String(alike[random.below(alike.count)])
            } else {
                given = typo(in: given)
            }
            corruptions.append("name_typo")
        }
        if random.unit() < Rates.noNamePart {
            if random.unit() < 2.0 / 3 { surname = "" } else { given = "" }
            corruptions.append(surname.isEmpty ? "no_surname" : "no_given_name")
        }
        let swapped = random.unit() < Rates.swapped && !surname.isEmpty && !given.isEmpty
        if swapped { corruptions.append("swapped") }
        if random.unit() < Rates.pinyin {
            corruptions.append("pinyin")
            let s = Self.romanized(surname), g = Self.romanized(given)
            // Western order is common in romanized names; a swap puts it back the other way.
            let western = (random.unit() < 0.3) != swapped
            return [western ? g : s, western ? s : g].filter { !$0.isEmpty }.joined(separator: " ")
        }
        if swapped { return given + (random.unit() < 0.5 ? " " : "") + surname }
        return surname + given
    }

    mutating func corruptBirthday(_ b: (Int, Int, Int), _ corruptions: inout [String]) -> String? {
        if random.unit() < Rates.noBirthday {
            corruptions.append("no_birthday")
            return nil
        }
        let (y, m, d) = b
        if random.unit() < Rates.birthdaySwapped, d <= 12, d != m {
            corruptions.append("birthday_swapped")
            return String(format: "%04d-%02d-%02d", y, d, m)
        }
        let text = String(format: "%04d-%02d-%02d", y, m, d)
        guard random.unit() < Rates.birthdayDigits else { return text }
        corruptions.append("birthday_digit")
        let changes = random.unit() < 2.0 / 3 ? 1 : 2
        for _ in 0..<50 {
            var digits = Array(text)
            for _ in 0..<changes {
                let i = [0, 1, 2, 3, 5, 6, 8, 9][random.below(8)]
                var c = digits[i]
                while c == digits[i] { c = Character(String(random.below(10))) }
                digits[i] = c
            }
            let candidate = String(digits)
            if candidate != text, Self.isDate(candidate), Int(candidate.prefix(4))! <= 2010 { return candidate }
        }
        return text
    }

    /// Whether YYYY-MM-DD is a day of the calendar (crmd refuses 1992-02-30, and the record with it).
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1900...2999).contains(parts[0]), let day = MerchantGenerator.day(text) else { return false }
        return MerchantGenerator.civil(day) == (parts[0], parts[1], parts[2])
    }

    /// One character replaced: a digit by another digit; a Chinese character by a homophone when it
    /// has one (three times in four), else by a common given-name character.
    mutating func typo(in text: String) -> String {
        var chars = Array(text)
        guard !chars.isEmpty else { return text }
        let i = random.below(chars.count)
        let old = chars[i]
        if old.isNumber {
            while chars[i] == old { chars[i] = Character(String(random.below(10))) }
        } else if let alike = homophones[old], random.unit() < 0.75 {
            chars[i] = alike[random.below(alike.count)]
        } else {
            let pool = Self.femaleCharacters + Self.maleCharacters
            while chars[i] == old { chars[i] = pool[random.below(pool.count)] }
        }
        return String(chars)
    }

    /// Toneless pinyin with the syllables joined and the first letter upper-cased: 小明 → Xiaoming.
    static func romanized(_ text: String) -> String {
        guard !text.isEmpty, let latin = text.applyingTransform(.toLatin, reverse: false),
            let plain = latin.applyingTransform(.stripDiacritics, reverse: false)
        else { return text }
        let joined = plain.replacingOccurrences(of: " ", with: "").lowercased()
        return joined.prefix(1).uppercased() + joined.dropFirst()
    }

    /// Characters of the name and typo pools grouped by toneless pinyin (each with the others of its group).
    static func homophoneGroups() -> [Character: [Character]] {
        var groups: [String: [Character]] = [:]
        var order: [String] = []
        let oneCharacterSurnames = surnames.compactMap { $0.0.count == 1 ? $0.0.first : nil }
        for c in femaleCharacters + maleCharacters + typoCharacters + oneCharacterSurnames {
            let key = romanized(String(c))
            if groups[key] == nil { order.append(key) }
            if !(groups[key]?.contains(c) ?? false) { groups[key, default: []].append(c) }
        }
        var result: [Character: [Character]] = [:]
        for key in order {
            let group = groups[key]!
            for c in group where group.count > 1 { result[c] = group.filter { $0 != c } }
        }
        return result
    }

    func upsert(_ r: Record, person: Person, channel: String, external: String, at: Int) -> String {
        var member: JSONObject = ["external_id": .string(external), "gender": .string(person.female ? "female" : "male")]
        if let name = r.name { member["name"] = .string(name) }
        if let birthday = r.birthday { member["birthday"] = .string(birthday) }
        if let region = r.region { member["region"] = .string(region) }
        if let address = r.address { member["address"] = .string(address) }
        if let phone = r.phone { member["phone"] = .string(phone) }
        member["registered_at"] = .string(MerchantGenerator.timestamp(at))
        let event: JSONValue = [
            "id": .string("\(channel)-u-\(external)"), "type": "member.upsert", "channel": .string(channel),
            "occurred_at": .string(MerchantGenerator.timestamp(at)), "member": .object(member),
        ]
        return JSONSerializer.serialize(event)
    }
}

// MARK: - Data

extension IdentityGenerator {
    /// The most common surnames with their approximate shares of China's population (in 1/10,000,
    /// as the household registration statistics are usually quoted), and a few compound surnames.
    static let surnames: [(String, Int)] = [
        ("李", 794), ("王", 741), ("张", 707), ("刘", 538), ("陈", 453), ("杨", 308), ("赵", 229), ("黄", 223), ("周", 212), ("吴", 205),
        ("徐", 167), ("孙", 154), ("胡", 131), ("朱", 126), ("高", 121), ("林", 118), ("何", 117), ("郭", 115), ("马", 105), ("罗", 86),
        ("梁", 84), ("宋", 81), ("郑", 78), ("谢", 72), ("韩", 68), ("唐", 65), ("冯", 64), ("于", 62), ("董", 61), ("肖", 59),
        ("程", 57), ("曹", 57), ("袁", 54), ("邓", 54), ("许", 54), ("傅", 51), ("沈", 50), ("曾", 50), ("彭", 50), ("吕", 47),
        ("苏", 46), ("卢", 46), ("蒋", 45), ("蔡", 44), ("贾", 41), ("丁", 40), ("魏", 39), ("薛", 38), ("叶", 38), ("闫", 38),
        ("余", 37), ("潘", 36), ("杜", 35), ("戴", 34), ("夏", 33), ("钟", 33), ("汪", 32), ("田", 32), ("任", 31), ("姜", 30),
        ("范", 29), ("方", 29), ("石", 28), ("姚", 28), ("谭", 27), ("廖", 26), ("邹", 26), ("熊", 25), ("金", 25), ("陆", 24),
        ("郝", 24), ("孔", 23), ("白", 23), ("崔", 23), ("康", 22), ("毛", 22), ("邱", 22), ("秦", 21), ("江", 21), ("史", 20),
        ("顾", 20), ("侯", 20), ("邵", 19), ("孟", 19), ("龙", 19), ("万", 18), ("段", 18), ("雷", 17), ("钱", 17), ("汤", 17),
        ("尹", 16), ("黎", 16), ("易", 16), ("常", 15), ("武", 15), ("乔", 15), ("贺", 15), ("赖", 15), ("龚", 15), ("文", 14),
        ("欧阳", 4), ("司马", 1), ("上官", 1), ("诸葛", 1),
    ]
    /// Given-name characters, most used first.
    static let femaleCharacters = Array("芳娜敏静丽艳娟霞秀英燕红玲梅琳婷雪慧洁晶颖佳欣怡雨萱涵倩莉丹璐琪悦彤思诗梦妍兰玉华")
    static let maleCharacters = Array("伟强军磊勇杰涛明超平刚辉斌鹏飞波宇浩俊凯健峰龙亮建国志文林海东鑫晨轩博然阳旭华")
    /// Common two-character given names, which make the commonest full names recur.
    static let femaleNames = ["秀英", "桂英", "秀兰", "玉兰", "桂兰", "秀珍", "凤英", "玉梅", "丽娟", "晓燕", "欣怡", "梓涵", "雨涵", "子涵", "诗涵", "一诺"]
    static let maleNames = ["建华", "建国", "建军", "志强", "志明", "海涛", "俊杰", "浩然", "宇轩", "子轩", "浩宇", "文博", "明轩", "晓东", "国强", "家豪"]
    /// Characters read like given-name characters (玮 like 伟), the typos a pinyin keyboard makes.
    static let typoCharacters = Array("玮炜薇维晶婧靖俐立力民珉纳方君均洁捷鸣铭亭庭蕾蔷韬桦宏鸿雁彦侠灵美媚彬滨朋慧惠锋丰风语昊峻骏恺剑辰馨新心仪宜嘉家莹盈含晗宣章柳阳伍许")
    /// Provinces with a weight near their population, their cities and districts.
    static let provinces: [(name: String, weight: Int, cities: [(String, [String])])] = [
        ("广东", 12, [("广州市", ["天河区", "越秀区", "海珠区", "白云区"]), ("深圳市", ["南山区", "福田区", "宝安区", "龙岗区"]), ("东莞市", ["南城街道", "东城街道"])]),
        ("山东", 10, [("济南市", ["历下区", "市中区", "槐荫区"]), ("青岛市", ["市南区", "崂山区", "黄岛区"])]),
        ("河南", 10, [("郑州市", ["金水区", "二七区", "中原区"]), ("洛阳市", ["西工区", "洛龙区"])]),
        ("江苏", 8, [("南京市", ["鼓楼区", "玄武区", "江宁区"]), ("苏州市", ["姑苏区", "吴中区", "工业园区"])]),
        ("四川", 8, [("成都市", ["武侯区", "锦江区", "青羊区", "高新区"]), ("绵阳市", ["涪城区", "游仙区"])]),
        ("浙江", 6, [("杭州市", ["西湖区", "拱墅区", "滨江区", "余杭区"]), ("宁波市", ["鄞州区", "海曙区"])]),
        ("湖北", 6, [("武汉市", ["洪山区", "江汉区", "武昌区"]), ("宜昌市", ["西陵区", "伍家岗区"])]),
        ("湖南", 6, [("长沙市", ["岳麓区", "芙蓉区", "天心区"])]),
        ("福建", 4, [("福州市", ["鼓楼区", "台江区"]), ("厦门市", ["思明区", "湖里区"])]),
        ("陕西", 4, [("西安市", ["雁塔区", "碑林区", "未央区"])]),
        ("重庆", 3, [("重庆市", ["渝中区", "江北区", "南岸区"])]),
        ("上海", 3, [("上海市", ["浦东新区", "徐汇区", "静安区", "闵行区", "杨浦区"])]),
        ("北京", 2, [("北京市", ["朝阳区", "海淀区", "东城区", "丰台区"])]),
        ("天津", 1, [("天津市", ["和平区", "南开区"])]),
    ]
    static let streets = [
        "人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路", "长江路", "黄河路", "胜利路", "朝阳路", "光明路",
        "青年路", "友谊路", "学府路", "科技路", "东风路", "滨江路", "南京路", "北京路", "世纪大道", "环城北路", "工业大道", "幸福街",
    ]
    static let estates = ["阳光花园", "幸福家园", "锦绣华庭", "翠苑", "东方名城", "碧桂园", "万科城", "绿城桂花园", "保利花园", "金色家园", "华润城", "书香苑"]
}

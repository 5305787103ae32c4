import ArgumentParser
import CRMDomain
import CRMProtocol
import Foundation

/// `crm-bench generate`: a made-up merchant's exports, one directory per shop with one JSON-lines
/// file per channel, each in time order — what `store-sync push --source DIR` reads. The same
/// seed makes the same data. Used by `scripts/demo-data` (small) and `scripts/bench ingest` (large).
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a realistic merchant's member, order and refund events as JSON lines, one directory per shop.")

    @Option(help: "People to make.") var people = 2_000
    @Option(help: "Shops (sh01, sh02, …).") var shops = 3
    @Option(help: "Share of people with a second account in another shop or channel.") var multiChannel = 0.2
    @Option(help: "Average paid orders per account.") var orders = 3.0
    @Option(help: "Last day of the history (two years end here).") var until = "2026-11-20"
    @Option(help: "Seed of the random choices.") var seed: UInt64 = 1
    @Option(help: "Directory to write (made if missing; its shop directories are replaced).") var out: String

    func validate() throws {
        guard (1...10_000_000).contains(people), (1...9).contains(shops), (0...1).contains(multiChannel), (0...50).contains(orders) else {
            throw ValidationError("--people 1...10000000, --shops 1...9, --multi-channel 0...1, --orders 0...50")
        }
        guard MerchantGenerator.day(until) != nil else { throw ValidationError("--until must be YYYY-MM-DD") }
    }

    func run() throws {
        var generator = MerchantGenerator(
            shops: shops, multiChannel: multiChannel, ordersPerAccount: orders,
            lastDay: MerchantGenerator.day(until)!, seed: seed)
        let summary = try generator.write(people: people, to: out)
        print(summary)
    }
}

/// Makes people, their accounts in shop channels (some registered twice, with the variations real
/// data has: phone formats, e-mail case, a typo, a missing field), two years of orders with items,
/// and refunds.
struct MerchantGenerator {
    static let channels = ["mobile", "web", "group_buy"]
    static let surnames: [(String, String)] = [
        ("王", "wang"), ("李", "li"), ("張", "zhang"), ("劉", "liu"), ("陳", "chen"), ("楊", "yang"),
        ("黃", "huang"), ("趙", "zhao"), ("吳", "wu"), ("周", "zhou"), ("徐", "xu"), ("孫", "sun"), ("馬", "ma"), ("朱", "zhu"), ("胡", "hu"),
        ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("羅", "luo"), ("鄭", "zheng"), ("梁", "liang"), ("謝", "xie"), ("宋", "song"),
        ("唐", "tang"), ("許", "xu"), ("韓", "han"), ("馮", "feng"), ("鄧", "deng"), ("曹", "cao"),
    ]
    static let given = Array("偉芳娜秀英敏靜麗強磊軍洋勇艷傑娟濤明超蘭霞平剛桂華玉萍紅娥玲芬燕彬鵬輝斌宇浩凱健俊帆帥旭寧龍林歡佳陽婷雪琳晨")
    static let cities: [(String, [String])] = [
        ("上海", ["浦東新區", "徐匯區", "靜安區", "閔行區"]), ("北京", ["朝陽區", "海淀區", "東城區", "豐台區"]),
        ("廣州", ["天河區", "越秀區", "海珠區"]), ("深圳", ["南山區", "福田區", "寶安區"]), ("杭州", ["西湖區", "濱江區", "上城區"]),
        ("成都", ["武侯區", "錦江區", "高新區"]), ("南京", ["鼓樓區", "玄武區"]), ("武漢", ["洪山區", "江漢區"]), ("西安", ["雁塔區", "碑林區"]),
        ("蘇州", ["姑蘇區", "工業園區"]),
    ]
    static let roads = ["人民路", "解放路", "中山路", "建設路", "和平路", "新華路", "世紀大道", "長江路", "黃河路", "濱江路", "南京路", "科技路"]
    static let places = ["", "", "", "國際大廈", "科技園", "財富中心", "人民醫院", "工商銀行", "師範大學", "實驗中學", "花園小區", "商業廣場"]
    static let domains = ["qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com"]
    static let payments = ["alipay", "wechat_pay", "unionpay", "alipay", "wechat_pay"]
    /// (sku, name, category, price in fen)
    static let catalogue: [(String, String, String, Int)] = [
        ("BRA-LACE-75B", "蕾絲深V聚攏文胸", "lingerie", 39_900), ("BRA-SEAM-70A", "無痕舒適文胸", "lingerie", 19_900),
        ("SET-LACE-M", "蕾絲內衣套裝", "lingerie", 45_900), ("PJ-SILK-L", "真絲睡衣兩件套", "sleepwear", 68_800),
        ("PJ-COT-M", "純棉家居服", "sleepwear", 15_900), ("SOCK-5P", "棉襪五雙裝", "accessories", 3_990),
        ("SERUM-30", "玻尿酸精華液30ml", "skincare", 25_900), ("CREAM-50", "保濕面霜50g", "skincare", 18_800),
        ("MASK-10", "補水面膜10片", "skincare", 9_900), ("SUN-SPF50", "防曬霜SPF50", "skincare", 12_900),
        ("LIP-R01", "絲絨口紅 正紅", "makeup", 22_000), ("FDN-02", "輕薄粉底液", "makeup", 32_000),
        ("DRESS-SUM-S", "碎花連衣裙", "apparel", 29_900), ("TEE-BASIC", "純棉基礎T恤", "apparel", 7_900),
        ("COAT-WOOL", "雙面羊毛大衣", "apparel", 129_900), ("JEAN-SLIM", "修身牛仔褲", "apparel", 25_900),
        ("BAG-TOTE", "帆布托特包", "bags", 15_900), ("BAG-LEATHER", "真皮手提包", "bags", 89_900),
        ("SCARF-SILK", "桑蠶絲絲巾", "accessories", 26_800), ("GIFT-CARD-100", "禮品卡100元", "gift", 10_000),
    ]

    let shops: Int
    let multiChannel: Double
    let ordersPerAccount: Double
    let lastDay: Int
    var random: SplitMix64

    init(shops: Int, multiChannel: Double, ordersPerAccount: Double, lastDay: Int, seed: UInt64) {
        self.shops = shops
        self.multiChannel = multiChannel
        self.ordersPerAccount = ordersPerAccount
        self.lastDay = lastDay
        random = SplitMix64(seed: seed)
    }

    /// Days since 1970-01-01 of a YYYY-MM-DD date.
    static func day(_ text: String) -> Int? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1900...2999).contains(parts[0]), (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return daysFromCivil(parts[0], parts[1], parts[2])
    }

    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// RFC 3339 in China time for a minute count since the epoch (local).
    static func timestamp(_ minutes: Int) -> String {
        let (y, m, d) = civil(minutes / 1440)
        let minute = minutes % 1440
        return String(format: "%04d-%02d-%02dT%02d:%02d:00+08:00", y, m, d, minute / 60, minute % 60)
    }

    static func money(_ fen: Int) -> String { String(format: "%d.%02d", fen / 100, fen % 100) }

    /// One output file: events collected with their time, written sorted.
    struct Stream {
        var lines: [(Int, String)] = []
    }

    mutating func write(people: Int, to directory: String) throws -> String {
        var streams: [String: Stream] = [:]
        var counts: [String: Int] = [:]
        let firstDay = lastDay - 730
        var multi = 0
        var examples: [String] = []
        for person in 0..<people {
            let p = makePerson(person)
            let homeShop = 1 + random.below(shops)
            let homeChannel = Self.channels[random.below(3)]
            var accounts = [(homeShop, homeChannel, Variation.none)]
            if random.unit() < multiChannel {
                multi += 1
                var other = (homeShop, homeChannel)
                while other == (homeShop, homeChannel) { other = (1 + random.below(shops), Self.channels[random.below(3)]) }
                let variation = randomVariation()
                accounts.append((other.0, other.1, variation))
                if examples.count < 12 {
                    let key = variation == .emailOnly ? "--email \(p.email)" : "--phone \(p.phone)"
                    examples.append("\(variation)\t\(key)\t\(p.name)\tsh0\(homeShop)/\(homeChannel) + sh0\(other.0)/\(other.1)")
                }
            }
            let registered = firstDay + random.below(700)
            for (k, account) in accounts.enumerated() {
                let (shop, channel, variation) = account
                let shopCode = String(format: "sh%02d", shop)
                let file = shopCode + "/" + channel + ".jsonl"
                let external = "\(channel.prefix(1))\(person)\(k == 0 ? "" : "b")"
                let since = (registered + (k == 0 ? 0 : random.below(300))) * 1440 + 480 + random.below(900)
                guard since / 1440 < lastDay else { continue }
                streams[file, default: Stream()].lines.append(
                    (
                        since,
                        upsert(
                            p, shop: shopCode, channel: channel, external: external,
                            at: since, variation: variation)
                    ))
                counts["member.upsert", default: 0] += 1
                // Orders: a geometric count around the average, spread after registration.
                var n = 0
                while random.unit() < ordersPerAccount / (ordersPerAccount + 1), n < 60 { n += 1 }
                for o in 0..<n {
                    let at = since + 60 + random.below(max(1, (lastDay * 1440 - since - 60)))
                    let orderNo = "\(shopCode.uppercased())\(channel.prefix(1).uppercased())\(person)-\(k)-\(o)"
                    let (orderLine, amount) = order(orderNo, channel: channel, external: external, at: at)
                    streams[file, default: Stream()].lines.append((at, orderLine))
                    counts["order.paid", default: 0] += 1
                    if random.unit() < 0.06 {
                        let back = at + 1440 * (1 + random.below(10))
                        guard back / 1440 <= lastDay else { continue }
                        let full = random.unit() < 0.6
                        let refundAmount = full ? amount : max(1, amount / (2 + random.below(3)))
                        streams[file, default: Stream()].lines.append(
                            (
                                back,
                                refund(
                                    orderNo, channel: channel, refundNo: "R" + orderNo,
                                    amount: refundAmount, at: back)
                            ))
                        counts["order.refunded", default: 0] += 1
                    }
                }
            }
        }
        let total = try Self.writeFiles(streams, examples: examples, shops: shops, to: directory)
        return "events=\(total) people=\(people) in_two_accounts=\(multi) "
            + counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + " dir=\(directory)"
    }

    /// How a second account differs: mostly a phone written otherwise, else e-mail only, a typo in
    /// the name, missing fields, or the profile alone (with or without a typo).
    mutating func randomVariation() -> Variation {
        let roll = random.unit()
        if roll < 0.45 { return .phoneFormat }
        if roll < 0.65 { return .emailOnly }
        if roll < 0.80 { return .nameTypo }
        if roll < 0.92 { return .missingFields }
        return roll < 0.97 ? .profileOnly : .profileTypo
    }

    /// Writes each shop channel's events sorted by time, one file each, and the examples; returns
    /// how many events there are.
    static func writeFiles(_ streams: [String: Stream], examples: [String], shops: Int, to directory: String) throws -> Int {
        for shop in 1...shops {
            let dir = directory + "/" + String(format: "sh%02d", shop)
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        try (examples.joined(separator: "\n") + "\n").write(toFile: directory + "/examples.tsv", atomically: true, encoding: .utf8)
        var total = 0
        for (file, stream) in streams {
            let sorted = stream.lines.sorted { $0.0 < $1.0 }
            var text = ""
            text.reserveCapacity(sorted.count * 400)
            for (_, line) in sorted { text += line; text += "\n" }
            try text.write(toFile: directory + "/" + file, atomically: false, encoding: .utf8)
            total += sorted.count
        }
        return total
    }

    /// How a second account of the same person differs from the first.
    enum Variation {
        case none, phoneFormat, emailOnly, nameTypo, missingFields, profileOnly, profileTypo
    }

    struct Person {
        var name: String
        var typoName: String
        var phone: String
        var email: String
        var birthday: String
        var gender: String
        var region: String
        var address: String
    }

    mutating func makePerson(_ n: Int) -> Person {
        let surname = Self.surnames[random.below(Self.surnames.count)]
        let g1 = Self.given[random.below(Self.given.count)]
        let g2 = Self.given[random.below(Self.given.count)]
        var typo = Self.given[random.below(Self.given.count)]
        if typo == g2 { typo = Self.given[(Self.given.firstIndex(of: g2)! + 1) % Self.given.count] }
        let prefixes = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "186", "187", "188", "189"]
        // Unique per person: the number's last eight digits are a permutation of n.
        let scrambled = (UInt64(n) &* 2_654_435_761) % 100_000_000
        let phone = prefixes[n % prefixes.count] + String(format: "%08d", Int(scrambled))
        let (city, districts) = Self.cities[random.below(Self.cities.count)]
        let place = Self.places[random.below(Self.places.count)]
        let address =
            "\(city)市\(districts[random.below(districts.count)])\(Self.roads[random.below(Self.roads.count)])\(1 + random.below(999))號"
            + (place.isEmpty ? "\(1 + random.below(30))棟\(101 + random.below(2000))室" : place + "\(1 + random.below(30))樓")
        let (y, m, d) = (1965 + random.below(40), 1 + random.below(12), 1 + random.below(28))
        return Person(
            name: surname.0 + String(g1) + String(g2), typoName: surname.0 + String(g1) + String(typo), phone: phone,
            email: "\(surname.1)\(String(g1.unicodeScalars.first!.value % 1000))\(n)@\(Self.domains[n % Self.domains.count])",
            birthday: String(format: "%04d-%02d-%02d", y, m, d), gender: random.unit() < 0.7 ? "female" : "male",
            region: city, address: address)
    }

    mutating func upsert(_ p: Person, shop: String, channel: String, external: String, at: Int, variation: Variation) -> String {
        var member: JSONObject = ["external_id": .string(external)]
        var phone: String? = p.phone
        var email: String? = p.email
        var name = p.name
        switch variation {
        case .none: break
        case .phoneFormat:
            let formats = ["+86 \(p.phone)", "86-\(p.phone)", "\(p.phone.prefix(3)) \(p.phone.dropFirst(3).prefix(4)) \(p.phone.suffix(4))", "+86-\(p.phone)"]
            phone = formats[random.below(formats.count)]
            email = random.unit() < 0.5 ? p.email.uppercased() : nil
        case .emailOnly:
            phone = nil
            email = "  " + p.email.prefix(1).uppercased() + p.email.dropFirst() + " "
        case .nameTypo: name = p.typoName
        case .missingFields:
            email = nil
        case .profileOnly:
            phone = nil
            email = nil
        case .profileTypo:
            phone = nil
            email = nil
            name = p.typoName
        }
        member["name"] = .string(name)
        if let phone { member["phone"] = .string(phone) }
        if let email { member["email"] = .string(email) }
        if variation != .missingFields { member["birthday"] = .string(p.birthday) }
        member["gender"] = .string(p.gender)
        member["region"] = .string(p.region)
        if variation != .missingFields || random.unit() < 0.5 { member["address"] = .string(p.address) }
        member["registered_at"] = .string(Self.timestamp(at))
        if channel == "mobile", random.unit() < 0.6 { member["platform_ids"] = ["wechat_unionid": .string("o6_\(external)_\(shop)")] }
        let event: JSONValue = [
            "id": .string("\(channel)-u-\(external)"), "type": "member.upsert", "channel": .string(channel),
            "occurred_at": .string(Self.timestamp(at)), "member": .object(member),
        ]
        return JSONSerializer.serialize(event)
    }

    mutating func order(_ orderNo: String, channel: String, external: String, at: Int) -> (String, Int) {
        var items: [JSONValue] = []
        var total = 0
        for _ in 0..<(1 + random.below(3)) {
            let (sku, name, category, price) = Self.catalogue[random.below(Self.catalogue.count)]
            let quantity = random.unit() < 0.8 ? 1 : 2
            // Group-buy prices are lower.
            let paid = channel == "group_buy" ? price * 8 / 10 : price
            total += paid * quantity
            items.append([
                "sku": .string(sku), "name": .string(name), "category": .string(category), "quantity": .int(quantity),
                "price": .string(Self.money(paid)),
            ])
        }
        let event: JSONValue = [
            "id": .string("\(channel)-o-\(orderNo)"), "type": "order.paid", "channel": .string(channel),
            "occurred_at": .string(Self.timestamp(at)),
            "order": [
                "order_no": .string(orderNo), "member_external_id": .string(external), "amount": .string(Self.money(total)),
                "paid_at": .string(Self.timestamp(at)), "payment_method": .string(Self.payments[random.below(Self.payments.count)]),
                "items": .array(items),
            ],
        ]
        return (JSONSerializer.serialize(event), total)
    }

    func refund(_ orderNo: String, channel: String, refundNo: String, amount: Int, at: Int) -> String {
        let event: JSONValue = [
            "id": .string("\(channel)-r-\(refundNo)"), "type": "order.refunded", "channel": .string(channel),
            "occurred_at": .string(Self.timestamp(at)),
            "refund": [
                "order_no": .string(orderNo), "refund_no": .string(refundNo), "amount": .string(Self.money(amount)),
                "refunded_at": .string(Self.timestamp(at)),
            ],
        ]
        return JSONSerializer.serialize(event)
    }
}

/// Draws for the generator (SplitMix64: the same seed makes the same merchant).
extension SplitMix64 {
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

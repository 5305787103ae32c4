import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crm-bench ingest`: synthetic members and orders pushed through `sync.push`, events per second.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "Push synthetic members and orders and report events per second.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "People to generate (each has 1-2 accounts and 2 orders per account).") var people = 20_000
    @Option(help: "Events per push.") var batch = 1_000
    @Option(help: "Connections pushing at once (one shop each).") var connections = 3
    @Option(help: "Share of people registered in a second channel.") var multiChannel = 0.2

    func run() async throws {
        guard people > 0, batch > 0, batch <= 100_000, (1...9).contains(connections) else { throw ValidationError("bad sizes") }
        let admin = try await connection.connect(client: "crm-bench/0.1")
        for s in 0..<connections { _ = try? await admin.call("shop.create", ["code": .string("bench\(s)")]) }
        await admin.close()
        let per = people / connections
        let started = Date()
        let counts = try await withThrowingTaskGroup(of: [String: Int].self) { group in
            for s in 0..<connections {
                group.addTask {
                    let client = try await connection.connect(client: "crm-bench/0.1")
                    var events: [JSONValue] = []
                    var tally: [String: Int] = [:]
                    func flush() async throws {
                        guard !events.isEmpty else { return }
                        let results = try await client.call("sync.push", ["shop": .string("bench\(s)"), "events": .array(events)])["results"]?.arrayValue ?? []
                        for r in results { tally[r["status"]?.stringValue ?? "?", default: 0] += 1 }
                        events.removeAll(keepingCapacity: true)
                    }
                    for i in 0..<per {
                        let person = s * per + i
                        let phone = String(format: "139%08d", person)
                        var channels = ["web"]
                        if Double(person % 100) / 100 < multiChannel { channels.append("mobile") }
                        for (k, channel) in channels.enumerated() {
                            if events.count + 3 > batch { try await flush() }
                            let external = "\(channel)-\(person)"
                            let person = Person(person)
                            events.append(["id": .string("u-\(external)"), "type": "member.upsert", "channel": .string(channel),
                                           "occurred_at": "2026-03-01T10:00:00+08:00",
                                           "member": ["external_id": .string(external), "name": .string(person.name),
                                                      "phone": .string(k == 0 ? phone : "+86 " + phone), "birthday": .string(person.birthday),
                                                      "region": .string(person.city), "address": .string(person.address)]])
                            for o in 0..<2 {
                                events.append(["id": .string("o-\(external)-\(o)"), "type": "order.paid", "channel": .string(channel),
                                               "occurred_at": "2026-03-02T12:00:00+08:00",
                                               "order": ["order_no": .string("\(external)-\(o)"), "member_external_id": .string(external),
                                                         "amount": "199.00", "paid_at": "2026-03-02T12:00:00+08:00",
                                                         "items": [["sku": "SKU-1", "name": "蕾絲文胸", "quantity": 1, "price": "199.00"]]]])
                            }
                        }
                    }
                    try await flush()
                    await client.close()
                    return tally
                }
            }
            var total: [String: Int] = [:]
            for try await t in group { for (k, v) in t { total[k, default: 0] += v } }
            return total
        }
        let seconds = Date().timeIntervalSince(started)
        let events = counts.values.reduce(0, +)
        print("events=\(events) seconds=\(String(format: "%.2f", seconds)) rate=\(Int(Double(events) / seconds))/s \(counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }
}

/// A made-up person, the same for the same number: varied names, birthdays and addresses, as a
/// merchant's real members are (so fuzzy matching finds as few look-alikes as in real data).
struct Person {
    static let surnames = Array("王李張劉陳楊黃趙吳周徐孫馬朱胡郭何高林羅鄭梁謝宋唐許韓馮鄧曹彭曾")
    static let given = Array("偉芳娜秀英敏靜麗強磊軍洋勇艷傑娟濤明超蘭霞平剛桂華玉萍紅娥玲芬燕彬鵬輝斌宇浩凱健俊帆帥旭寧龍林歡佳陽婷雪琳晨")
    static let cities = ["上海", "北京", "廣州", "深圳", "杭州", "成都", "南京", "武漢", "西安", "蘇州"]
    static let roads = ["人民路", "解放路", "中山路", "建設路", "和平路", "新華路", "世紀大道", "長江路", "黃河路", "濱江路"]

    let name: String
    let birthday: String
    let city: String
    let address: String

    init(_ n: Int) {
        var x = UInt64(n) &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678
        func next(_ bound: Int) -> Int {
            x ^= x >> 33
            x = x &* 0xFF51_AFD7_ED55_8CCD
            x ^= x >> 29
            return Int(x % UInt64(bound))
        }
        name = String(Self.surnames[next(Self.surnames.count)]) + String(Self.given[next(Self.given.count)]) + String(Self.given[next(Self.given.count)])
        birthday = String(format: "%04d-%02d-%02d", 1960 + next(40), 1 + next(12), 1 + next(28))
        city = Self.cities[next(Self.cities.count)]
        address = "\(city)市\(Self.roads[next(Self.roads.count)])\(1 + next(999))號\(1 + next(30))樓"
    }
}

import CRMClient
import CRMProtocol

/// Made-up people for the training and rescan tests, the same every run: person `i` has a name and a
/// birthday no other of the first 800 has, an address and a region. Two of them may still look alike
/// enough for review (a shared surname and road, birthdays one digit apart), as real people do.
enum IdentityPeople {
    static let surnames = Array("王李張劉陳楊黃趙吳周徐孫馬朱胡郭何林羅高")
    static let given = Array("偉芳娜敏靜麗強磊軍洋勇艷傑濤明超秀霞平剛桂英華玉蘭萍紅鵬輝建國志文斌嘉欣宇晨浩然")
    static let districts = ["浦東新區", "徐匯區", "靜安區", "黃浦區", "長寧區", "普陀區", "虹口區", "楊浦區"]
    static let roads = ["世紀大道", "漕溪北路", "南京西路", "淮海中路", "長寧路", "中山北路", "四川北路", "國權路", "張楊路", "天山路"]

    static func name(_ i: Int) -> String {
        let g = given.count
        return String([surnames[i % surnames.count], given[(i / surnames.count) % g], given[(i / (surnames.count * g) + i) % g]])
    }

    /// The person's fields as an upsert's member object (without `external_id`).
    static func person(_ i: Int, address: Bool = true, phone: String? = nil) -> JSONObject {
        var p: JSONObject = [
            "name": .string(name(i)),
            // Distinct for the first 2,100 people (7, 5 and 11 step through 50 years, 12 months, 28 days).
            "birthday": .string(String(format: "%04d-%02d-%02d", 1950 + (i * 7) % 50, 1 + (i * 5) % 12, 1 + (i * 11) % 28)),
            "region": "上海",
        ]
        if address { p["address"] = .string("上海市\(districts[i % districts.count])\(roads[(i / 8) % roads.count])\(i + 1)號") }
        if let phone { p["phone"] = .string(phone) }
        return p
    }

    /// Pushes upserts for `shop`, a few hundred per push.
    static func push(_ client: RPCClient, _ shop: String, _ events: [JSONValue]) async throws {
        for start in stride(from: 0, to: events.count, by: 400) {
            let results = try await client.push(shop, Array(events[start..<min(start + 400, events.count)]))
            precondition(results.allSatisfy { $0["status"] == "applied" }, "pushed test people are applied: \(results.first { $0["status"] != "applied" }!)")
        }
    }

    /// `count` people for training: each with a web account in sh01; every third also with a mobile
    /// account in sh02 that shares its phone (one member by key, a known match) and writes the name the
    /// same; every fifth also with a web account in sh02 without an address (a likely match, no key).
    static func pushTrainingPeople(_ client: RPCClient, count: Int) async throws {
        var sh01: [JSONValue] = [], sh02: [JSONValue] = []
        for i in 0..<count {
            let phone = i % 3 == 0 ? String(format: "1390000%04d", i) : nil
            sh01.append(Events.upsert("t\(i)", "web", "p\(i)", person(i, phone: phone)))
            if let phone { sh02.append(Events.upsert("m\(i)", "mobile", "p\(i)", person(i, address: i % 2 == 0, phone: phone))) }
            if i % 5 == 0 { sh02.append(Events.upsert("w\(i)", "web", "p\(i)", person(i, address: false))) }
        }
        try await push(client, "sh01", sh01)
        try await push(client, "sh02", sh02)
    }
}

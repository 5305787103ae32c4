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
                            events.append(["id": .string("u-\(external)"), "type": "member.upsert", "channel": .string(channel),
                                           "occurred_at": "2026-03-01T10:00:00+08:00",
                                           "member": ["external_id": .string(external), "name": .string("會員\(person)"),
                                                      "phone": .string(k == 0 ? phone : "+86 " + phone), "birthday": .string(String(format: "19%02d-%02d-%02d", 60 + person % 40, 1 + person % 12, 1 + person % 28)),
                                                      "region": "上海", "address": .string("上海市浦东新区世纪大道\(person % 500)号")]])
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

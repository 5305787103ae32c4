import ArgumentParser
import CRMProtocol
import Foundation

/// `crm-bench copy-rows`: the ceiling for `scripts/bench ingest`. Turns the generated events into
/// the rows ingest stores (member, account, shop_order, refund, sync_event: one member per
/// account, no identity keys, no merges) as COPY text files, so the script can time a plain bulk
/// load of the same data into the same tables.
struct CopyRows: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-rows",
        abstract: "Write COPY files of the rows the generated events become, without identity work.")

    @Option(help: "The directory crm-bench generate wrote (one directory per shop).") var source: String
    @Option(help: "Where to write member.copy, account.copy, shop_order.copy, refund.copy, sync_event.copy.") var out: String
    @Option(name: .customLong("shop-ids"), help: "Shop ids in the target database, e.g. sh01=1,sh02=2,sh03=3.") var shopIDs: String

    func run() throws {
        let ids = try Self.shopIDs(shopIDs)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var writer = CopyWriter(directory: out)
        var accounts: [String: (id: Int, member: Int)] = [:]
        var orders: [String: Int] = [:]
        var refunded: [Int: Int] = [:]
        var orderRows: [(id: Int, columns: [String?])] = []
        var nextMember = 0, nextAccount = 0, nextOrder = 0, nextRefund = 0
        for shop in ids.keys.sorted() {
            let dir = source + "/" + shop
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter { $0.hasSuffix(".jsonl") }.sorted() ?? []
            for file in files {
                guard let text = try? String(contentsOfFile: dir + "/" + file, encoding: .utf8) else { throw ValidationError("cannot read \(dir)/\(file)") }
                for line in text.split(separator: "\n") {
                    let event = try JSONParser.parse(String(line))
                    let shopID = String(ids[shop]!)
                    let channel = event["channel"]?.stringValue ?? ""
                    let eventID = event["id"]?.stringValue ?? ""
                    let type = event["type"]?.stringValue ?? ""
                    var memberID: Int? = nil
                    switch type {
                    case "member.upsert":
                        let m = event["member"]!
                        nextMember += 1
                        nextAccount += 1
                        memberID = nextMember
                        let external = m["external_id"]?.stringValue ?? ""
                        accounts[shop + "|" + channel + "|" + external] = (nextAccount, nextMember)
                        let personal = ["name", "nickname", "gender", "region", "phone", "email", "birthday", "address"].map { m[$0]?.stringValue }
                        try writer.row("member", [String(nextMember)] + personal)
                        try writer.row(
                            "account",
                            [String(nextAccount), shopID, channel, external, String(nextMember)] + personal
                                + [
                                    JSONSerializer.serialize(m["platform_ids"] ?? [:]), JSONSerializer.serialize(m["attributes"] ?? [:]),
                                    JSONSerializer.serialize(m), m["registered_at"]?.stringValue, event["occurred_at"]?.stringValue,
                                ])
                    case "order.paid":
                        let o = event["order"]!
                        guard let account = accounts[shop + "|" + channel + "|" + (o["member_external_id"]?.stringValue ?? "")] else { continue }
                        nextOrder += 1
                        memberID = account.member
                        let orderNo = o["order_no"]?.stringValue ?? ""
                        orders[shop + "|" + orderNo] = nextOrder
                        orderRows.append(
                            (
                                nextOrder,
                                [
                                    String(nextOrder), shopID, channel, orderNo, String(account.id), Self.fen(o["amount"]),
                                    o["paid_at"]?.stringValue, o["payment_method"]?.stringValue,
                                    JSONSerializer.serialize(o["items"] ?? []), eventID,
                                ]
                            ))
                    case "order.refunded":
                        let r = event["refund"]!
                        guard let order = orders[shop + "|" + (r["order_no"]?.stringValue ?? "")] else { continue }
                        nextRefund += 1
                        let amount = Int(Self.fen(r["amount"]) ?? "0") ?? 0
                        refunded[order, default: 0] += amount
                        try writer.row(
                            "refund",
                            [
                                String(nextRefund), shopID, String(order), r["refund_no"]?.stringValue, String(amount),
                                r["refunded_at"]?.stringValue, eventID,
                            ])
                    default:
                        continue
                    }
                    // The content hash: 32 bytes, as ingest stores a SHA-256.
                    let hash = "\\\\x" + String(repeating: String(format: "%016llx", UInt64(truncatingIfNeeded: eventID.hashValue)), count: 4)
                    try writer.row("sync_event", [shopID, eventID, hash, type, "applied", memberID.map(String.init)], raw: [2])
                }
            }
        }
        try Self.writeOrders(orderRows, refunded: refunded, into: &writer)
        try writer.close()
        print("member=\(nextMember) account=\(nextAccount) shop_order=\(nextOrder) refund=\(nextRefund)")
    }

    /// `sh01=1,sh02=2`: each shop code's id in the target database.
    static func shopIDs(_ text: String) throws -> [String: Int] {
        var ids: [String: Int] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let id = Int(parts[1]) else { throw ValidationError("--shop-ids must look like sh01=1,sh02=2") }
            ids[String(parts[0])] = id
        }
        return ids
    }

    /// The orders, with what was refunded of each (known only once every refund was read).
    static func writeOrders(_ rows: [(id: Int, columns: [String?])], refunded: [Int: Int], into writer: inout CopyWriter) throws {
        for (id, var columns) in rows {
            columns.insert(String(refunded[id] ?? 0), at: 6)
            try writer.row("shop_order", columns)
        }
    }

    /// Yuan text to fen text.
    static func fen(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue ?? (value.flatMap { if case .number(let n) = $0 { return n } else { return nil } }) else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard let yuan = Int(parts[0]) else { return nil }
        let cents = parts.count > 1 ? Int(parts[1].padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0 : 0
        return String(yuan * 100 + cents)
    }
}

/// Writes PostgreSQL COPY text files (tab-separated, `\N` for NULL, backslash escapes).
struct CopyWriter {
    let directory: String
    private var buffers: [String: String] = [:]
    private var handles: [String: FileHandle] = [:]

    init(directory: String) { self.directory = directory }

    /// Appends a row; columns listed in `raw` are written as given (already escaped).
    mutating func row(_ table: String, _ columns: [String?], raw: Set<Int> = []) throws {
        var line = ""
        for (i, column) in columns.enumerated() {
            if i > 0 { line += "\t" }
            guard let column else { line += "\\N"; continue }
            if raw.contains(i) { line += column; continue }
            for ch in column.unicodeScalars {
                switch ch {
                case "\\": line += "\\\\"
                case "\t": line += "\\t"
                case "\n": line += "\\n"
                case "\r": line += "\\r"
                default: line.unicodeScalars.append(ch)
                }
            }
        }
        buffers[table, default: ""] += line + "\n"
        if buffers[table]!.utf8.count > 1 << 20 { try flush(table) }
    }

    private mutating func flush(_ table: String) throws {
        guard let text = buffers[table], !text.isEmpty else { return }
        if handles[table] == nil {
            let path = directory + "/" + table + ".copy"
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw ValidationError("cannot write \(path)")
            }
            handles[table] = handle
        }
        try handles[table]!.write(contentsOf: Data(text.utf8))
        buffers[table] = ""
    }

    mutating func close() throws {
        for table in buffers.keys { try flush(table) }
        for handle in handles.values { try handle.close() }
    }
}

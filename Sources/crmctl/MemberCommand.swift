import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "member", abstract: "Look members up, merge and unmerge them, read their history.",
                                                    subcommands: [Get.self, Find.self, Merge.self, Unmerge.self, History.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one member: by id, by account, by phone or by e-mail.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String?
        @Option(help: "Phone, in any usual format.") var phone: String?
        @Option(help: "E-mail address.") var email: String?
        @Option(help: "Shop code (with --channel and --external-id).") var shop: String?
        @Option(help: "mobile, web or group_buy.") var channel: String?
        @Option(name: .customLong("external-id"), help: "The account id in that shop channel.") var externalID: String?

        func validate() throws {
            let account = shop != nil || channel != nil || externalID != nil
            guard [memberID != nil, phone != nil, email != nil, account].filter({ $0 }).count == 1 else {
                throw ValidationError("give one of: a member id, --phone, --email, or --shop with --channel and --external-id")
            }
            if account, shop == nil || channel == nil || externalID == nil { throw ValidationError("--shop, --channel and --external-id go together") }
        }

        func run() async throws {
            var params: JSONObject = [:]
            if let memberID { params["member_id"] = .string(memberID) }
            if let phone { params["phone"] = .string(phone) }
            if let email { params["email"] = .string(email) }
            if let shop { params["shop"] = .string(shop) }
            if let channel { params["channel"] = .string(channel) }
            if let externalID { params["external_id"] = .string(externalID) }
            let request = params
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let m = try await client.call("member.get", .object(request))
                    if options.json { return printJSON(m) }
                    printMember(m)
                }
            }
        }
    }

    struct Find: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find members by name fragment, phone, e-mail, or the last digits of a phone (an analyst: by a whole name, phone or e-mail only).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "What to look for.") var query: String
        @Option(help: "Most members to show.") var limit = 50

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let page = try await client.call("member.find", ["query": .string(query), "limit": .int(min(max(limit, 1), 1_000))])
                    let members = page["members"]?.arrayValue ?? []
                    if options.json { return printJSON(.array(members)) }
                    var table = TextTable(headers: ["member", "name", "phone", "email", "accounts"])
                    for m in members {
                        let accounts = (m["accounts"]?.arrayValue ?? []).map { "\($0["shop"]?.cellText ?? "")/\($0["channel"]?.cellText ?? "")" }
                        table.add([m["member_id"]?.cellText ?? "", m["name"]?.cellText ?? "-", m["phone"]?.cellText ?? "-",
                                   m["email"]?.cellText ?? "-", accounts.joined(separator: " ")])
                    }
                    print(table.render())
                    if !(page["next_cursor"]?.isNull ?? true) { print("(more: narrow the query or raise --limit)") }
                }
            }
        }
    }

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Merge two members (the older survives); audited.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String
        @Argument(help: "The other member id.") var otherMemberID: String
        @Option(help: "Why (kept in the audit).") var reason: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("member.merge", ["member_id": .string(memberID), "other_member_id": .string(otherMemberID), "reason": .string(reason)])
                    if options.json { return printJSON(r) }
                    print("merged into member \(r["member_id"]?.cellText ?? "?") (merge \(r["merge_id"]?.cellText ?? "?"); undo with: crmctl member unmerge --merge \(r["merge_id"]?.cellText ?? "?"))")
                }
            }
        }
    }

    struct Unmerge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo a merge, by merge id or by the member that was merged away.")
        @OptionGroup var options: CommonOptions
        @Option(name: .customLong("merge"), help: "Merge id (from history).") var mergeID: Int64?
        @Option(name: .customLong("member"), help: "The member that was merged away.") var memberID: String?
        @Option(help: "Why (kept in the audit).") var reason: String

        func run() async throws {
            guard (mergeID == nil) != (memberID == nil) else { throw ValidationError("give --merge or --member") }
            var params: JSONObject = ["reason": .string(reason)]
            if let mergeID { params["merge_id"] = .int(mergeID) }
            if let memberID { params["member_id"] = .string(memberID) }
            let request = params
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("member.unmerge", .object(request))
                    if options.json { return printJSON(r) }
                    print("undid merge \(r["merge_id"]?.cellText ?? "?"): member \(r["restored_member_id"]?.cellText ?? "?") is separate from \(r["member_id"]?.cellText ?? "?") again")
                }
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What happened to a member: accounts, merges, unmerges.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let entries = try await fetchAll(client, method: "member.history", key: "entries", params: ["member_id": .string(memberID)])
                    if options.json { return printJSON(.array(entries)) }
                    var table = TextTable(headers: ["at", "member", "action", "by", "detail"])
                    for e in entries {
                        var detail = e["detail"]?.objectValue ?? JSONObject()
                        let member = detail["member"]?.cellText ?? ""
                        detail["member"] = nil
                        let text = detail.filter { !$0.value.isNull }.map { "\($0.key)=\($0.value.cellText)" }.joined(separator: " ")
                        table.add([e["at"]?.cellText ?? "", member, e["action"]?.cellText ?? "", e["actor"]?.cellText ?? "", text])
                    }
                    print(table.render())
                }
            }
        }
    }
}

/// A member as an operator reads it.
func printMember(_ m: JSONValue) {
    var lines: [(String, String)] = [
        ("member", m["member_id"]?.cellText ?? "?"), ("name", m["name"]?.cellText ?? "-"), ("nickname", m["nickname"]?.cellText ?? "-"),
        ("phone", m["phone"]?.cellText ?? "-"), ("email", m["email"]?.cellText ?? "-"), ("birthday", m["birthday"]?.cellText ?? "-"),
        ("gender", m["gender"]?.cellText ?? "-"), ("region", m["region"]?.cellText ?? "-"), ("address", m["address"]?.cellText ?? "-"),
        ("level", m["level"]?["name"]?.cellText ?? "-"), ("points", "\(m["points"]?["balance"]?.cellText ?? "0") (pending \(m["points"]?["pending"]?.cellText ?? "0"))"),
        ("tags", (m["tags"]?.arrayValue ?? []).map(\.cellText).joined(separator: ", ").nonEmpty ?? "-"),
        ("referral", referralText(m["referral"])),
        // When the member registered, as the shops said; the load time only when none said.
        ("registered", m["registered_at"].flatMap(\.stringValue) ?? "unknown (first loaded \(m["created_at"]?.cellText ?? "-"))"),
    ]
    if let from = m["merged_from"] { lines.insert(("merged from", from.cellText), at: 1) }
    for (label, value) in lines { print(label + String(repeating: " ", count: 12 - TextTable.displayWidth(label)) + value) }
    var table = TextTable(headers: ["shop", "channel", "account"])
    for a in m["accounts"]?.arrayValue ?? [] { table.add([a["shop"]?.cellText ?? "", a["channel"]?.cellText ?? "", a["external_id"]?.cellText ?? ""]) }
    print("")
    print(table.render())
}

/// The member's own referral code and who referred them: `code K7Q2M9; referred by member 12`.
private func referralText(_ referral: JSONValue?) -> String {
    let code = referral?["code"]?.stringValue.map { "code \($0)" } ?? "no code"
    guard let by = referral?["referred_by"]?.stringValue else { return code }
    return "\(code); referred by member \(by)"
}

extension String {
    /// Nil for the empty string (for `?? "-"` in tables).
    var nonEmpty: String? { isEmpty ? nil : self }
}

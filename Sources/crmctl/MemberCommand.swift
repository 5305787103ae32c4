import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "Look members up, merge and unmerge them, read their history, export or erase their data.",
        subcommands: [Get.self, Find.self, Benefits.self, Merge.self, Unmerge.self, History.self, Export.self, Erase.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one member: by id, by account, by phone or by e-mail.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID?
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
            let request = RPC.Member.Get.Params(memberID: memberID, shop: shop, channel: channel, externalID: externalID, phone: phone, email: email)
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let m = try await client.call(RPC.Member.Get.self, request)
                    if options.json { return printJSON(try JSONValueEncoder().encode(m)) }
                    printMember(m)
                }
            }
        }
    }

    struct Find: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find members by name fragment, phone, e-mail, or the last digits of a phone (an analyst: by a whole name, phone or e-mail only).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "What to look for.") var query: String
        @Option(help: "Most members to show.") var limit = 50

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let page = try await client.call(RPC.Member.Find.self, .init(query: query, limit: min(max(limit, 1), 1_000)))
                    if options.json { return printJSON(try JSONValueEncoder().encode(page.members)) }
                    var table = TextTable(headers: ["member", "name", "phone", "email", "accounts"])
                    for m in page.members {
                        table.add([
                            m.memberID.description, m.name ?? "-", m.phone ?? "-", m.email ?? "-",
                            m.accounts.map { "\($0.shop)/\($0.channel)" }.joined(separator: " "),
                        ])
                    }
                    print(table.render())
                    if page.nextCursor != nil { print("(more: narrow the query or raise --limit)") }
                }
            }
        }
    }

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Merge two members (the older survives); audited.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID
        @Argument(help: "The other member id.") var otherMemberID: MemberID
        @Option(help: "Why (kept in the audit).") var reason: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Member.Merge.self, .init(memberID: memberID, otherMemberID: otherMemberID, reason: reason))
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    print("merged into member \(r.memberID) (merge \(r.mergeID); undo with: crmctl member unmerge --merge \(r.mergeID))")
                }
            }
        }
    }

    struct Unmerge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo a merge, by merge id or by the member that was merged away.")
        @OptionGroup var options: CommonOptions
        @Option(name: .customLong("merge"), help: "Merge id (from history).") var mergeID: Int64?
        @Option(name: .customLong("member"), help: "The member that was merged away.") var memberID: MemberID?
        @Option(help: "Why (kept in the audit).") var reason: String

        func run() async throws {
            guard (mergeID == nil) != (memberID == nil) else { throw ValidationError("give --merge or --member") }
            let request = RPC.Member.Unmerge.Params(mergeID: mergeID, memberID: memberID, reason: reason)
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Member.Unmerge.self, request)
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    print("undid merge \(r.mergeID): member \(r.restoredMemberID) is separate from \(r.memberID) again")
                }
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What happened to a member: accounts, merges, unmerges.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let entries = try await allPages { cursor in
                        let page = try await client.call(RPC.Member.History.self, .init(memberID: memberID, cursor: cursor, limit: 500))
                        return (page.entries, page.nextCursor)
                    }
                    if options.json { return printJSON(try JSONValueEncoder().encode(entries)) }
                    var table = TextTable(headers: ["at", "member", "action", "by", "detail"])
                    for e in entries {
                        var detail = e.detail.objectValue ?? JSONObject()
                        let member = detail["member"]?.cellText ?? ""
                        detail["member"] = nil
                        let text = detail.filter { !$0.value.isNull }.map { "\($0.key)=\($0.value.cellText)" }.joined(separator: " ")
                        table.add([e.at, member, e.action, e.actor, text])
                    }
                    print(table.render())
                }
            }
        }
    }
}

/// A member as an operator reads it.
func printMember(_ m: RPC.Member.Profile) {
    var lines: [(String, String)] = [
        ("member", m.memberID.description), ("name", m.name ?? "-"), ("nickname", m.nickname ?? "-"),
        ("phone", m.phone ?? "-"), ("email", m.email ?? "-"), ("birthday", m.birthday ?? "-"),
        ("gender", m.gender ?? "-"), ("region", m.region ?? "-"), ("address", m.address ?? "-"),
        ("level", m.level.name), ("points", "\(m.points.balance) (pending \(m.points.pending))"),
        ("tags", m.tags.joined(separator: ", ").nonEmpty ?? "-"),
        ("referral", referralText(m.referral)),
        // When the member registered, as the shops said; the load time only when none said.
        ("registered", m.registeredAt ?? "unknown (first loaded \(m.createdAt))"),
    ]
    if let from = m.mergedFrom { lines.insert(("merged from", from.description), at: 1) }
    for (label, value) in lines { print(label + String(repeating: " ", count: 12 - TextTable.displayWidth(label)) + value) }
    var table = TextTable(headers: ["shop", "channel", "account"])
    for a in m.accounts { table.add([a.shop, a.channel, a.externalID]) }
    print("")
    print(table.render())
}

/// The member's own referral code and who referred them: `code K7Q2M9; referred by member 12`.
private func referralText(_ referral: RPC.Member.Profile.Referral) -> String {
    let code = referral.code.map { "code \($0)" } ?? "no code"
    guard let by = referral.referredBy else { return code }
    return "\(code); referred by member \(by)"
}

extension String {
    /// Nil for the empty string (for `?? "-"` in tables).
    var nonEmpty: String? { isEmpty ? nil : self }
}

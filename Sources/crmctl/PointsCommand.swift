import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

struct PointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points",
        abstract: "Read a member's points and ledger, spend, donate or adjust points, manage accrual rules, list points about to expire.",
        subcommands: [Get.self, History.self, Redeem.self, Adjust.self, PointsRuleCommand.self, Expiring.self]
    )

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a member's balance, pending points, debt, and the lots that still hold points.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let p = try await client.call(RPC.Points.Get.self, .init(memberID: try CRMCommandLine.memberID(memberID)))
                    if options.json { return try printJSON(p) }
                    printLabelled([
                        ("member", p.memberID.description), ("balance", String(p.balance)), ("pending", String(p.pending)), ("debt", String(p.debt)),
                    ])
                    guard !p.lots.isEmpty else { return print("\nno lot holds points") }
                    var table = TextTable(headers: ["lot", "earned", "available", "expires", "amount", "remaining", "pending"])
                    for l in p.lots {
                        table.add([
                            String(l.id), l.earnedAt, l.availableAt, l.expiresAt ?? "-", String(l.amount), String(l.remaining), l.pending ? "yes" : "no",
                        ])
                    }
                    print("")
                    print(table.render())
                }
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A member's points ledger, newest first: what changed the balance, by how much, and why.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String
        @Option(help: "Entries per page (1-1000; default 50, or 500 with --all).") var limit: Int?
        @Flag(help: "Read every page, not only the newest entries.") var all = false

        func validate() throws {
            if let limit, !(1...1_000).contains(limit) { throw ValidationError("--limit must be 1...1000") }
        }

        func run() async throws {
            let pageSize = limit ?? (all ? 500 : 50)
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let member = try CRMCommandLine.memberID(memberID)
                    var entries: [RPC.Points.History.Entry] = []
                    var cursor: String?
                    repeat {
                        let page = try await client.call(RPC.Points.History.self, .init(memberID: member, cursor: cursor, limit: pageSize))
                        entries += page.entries
                        cursor = page.nextCursor
                    } while all && cursor != nil
                    // The same shape as the server's answer, whether one page or all of them.
                    if options.json { return try printJSON(RPC.Points.History.Result(memberID: member, entries: entries, nextCursor: cursor)) }
                    var table = TextTable(headers: ["at", "kind", "points", "order", "why", "reason", "by"])
                    for e in entries {
                        table.add([e.at, e.kind, Formats.signedPoints(e.points), Self.orderText(e), Self.whyText(e), e.reason ?? "", e.actor])
                    }
                    print(table.render())
                    if cursor != nil { print("(older entries: --all, or a larger --limit)") }
                }
            }
        }

        /// `sh01/mobile/A1001`, with `refund R7` for a reversal; `-` when the entry has no order.
        static func orderText(_ e: RPC.Points.History.Entry) -> String {
            var parts: [String] = []
            if let o = e.order { parts.append("\(o.shop)/\(o.channel)/\(o.orderNo)") }
            if let refund = e.refundNo { parts.append("refund \(refund)") }
            return parts.isEmpty ? "-" : parts.joined(separator: " ")
        }

        /// Why the points changed: the accrual rules (name, version, extra points) of an earning;
        /// the referral binding of a reward; the run, merge or shortfall of the others.
        static func whyText(_ e: RPC.Points.History.Entry) -> String {
            var parts: [String] = []
            if let x = e.explanation, !x.isNull {
                var base = "base \(x["base"]?.cellText ?? "?")"
                if let level = x["level"], !level.isNull { base += " \(level["code"]?.cellText ?? "?") \(multiplierText(level["multiplier_percent"]))" }
                parts.append(base)
                for r in x["rules"]?.arrayValue ?? [] {
                    let bonus = r["bonus"]?.int64Value.map(Formats.signedPoints) ?? r["bonus"]?.cellText ?? "?"
                    parts.append("\(r["name"]?.cellText ?? "?") v\(r["version"]?.cellText ?? "?") \(bonus)")
                }
            }
            // A re-rating (at the level held when the order was paid) says so, earning or taking back.
            let rerate = (e.explanation ?? e.detail)?["rerate"]
            if let rerate, !rerate.isNull {
                let level = (e.explanation ?? e.detail)?["level"]
                parts.append(
                    "re-rated at \(level?["code"]?.cellText ?? "?") \(multiplierText(level?["multiplier_percent"])) (was \(rerate["previous_total"]?.cellText ?? "?"))"
                )
            }
            if let referral = referralText(e) { parts.append(referral) }
            if let shortfall = e.shortfall { parts.append("shortfall \(shortfall)") }
            if let project = e.detail?["project"], !project.isNull { parts.append("project \(project.cellText)") }
            if let run = e.runID { parts.append("run \(run)") }
            if let merge = e.mergeID { parts.append("merge \(merge)") }
            return parts.isEmpty ? "-" : parts.joined(separator: ", ")
        }

        /// A referral reward or its take-back: the binding, whose side, on which order by which
        /// programme version (`referral binding 3 referrer, first order A1001 (tier), programme v2`),
        /// or why it was taken back (`… taken back: self_referral`); nil for other entries.
        static func referralText(_ e: RPC.Points.History.Entry) -> String? {
            guard let d = e.detail, let binding = d["binding"], !binding.isNull else { return nil }
            var text = "referral binding \(binding.cellText)"
            if let side = d["side"], !side.isNull { text += " \(side.cellText)" }
            if let order = d["order_no"], !order.isNull {
                let basis = d["basis"]?.stringValue
                text += basis == "share" ? ", share of order \(order.cellText)" : ", first order \(order.cellText)"
                if let percent = d["share_percent"], !percent.isNull { text += " \(percent.cellText)%" }
                if let basis, basis != "share" { text += " (\(basis))" }
            }
            if let version = d["program_version"], !version.isNull { text += ", programme v\(version.cellText)" }
            if e.kind == "reverse", let reason = d["reason"], !reason.isNull { text += " taken back: \(reason.cellText)" }
            return text
        }

        /// The level's multiplier, a percentage (`120%`).
        static func multiplierText(_ value: JSONValue?) -> String {
            guard let value, !value.isNull else { return "?" }
            return "\(value.cellText)%"
        }
    }

    struct Redeem: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Spend (or, with --donate, donate) a member's points, oldest expiry first.",
            discussion: """
                --key makes the request idempotent: sending the same request with the same key again changes nothing and \
                answers the first result (marked replayed); the same key with a different request is refused. More than \
                the balance is refused and changes nothing.
                """
        )
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String
        @Argument(help: "Points to take (a positive whole number).") var points: Int64
        @OptionGroup var request: PointsRequestOptions
        @Flag(help: "Donate the points (kind donate) instead of spending them.") var donate = false
        @Option(help: "The project a donation goes to (with --donate).") var project: String?

        func validate() throws {
            guard points > 0 else { throw ValidationError("POINTS must be positive; to take points back use `crmctl points adjust` with a negative --points") }
            if project != nil, !donate { throw ValidationError("--project goes with --donate") }
        }

        func run() async throws {
            try await runClientCommand("crmctl") {
                let sent = RPC.Points.Redeem.Params(
                    memberID: try CRMCommandLine.memberID(memberID), points: points, idempotencyKey: request.key,
                    reason: request.reason, kind: donate ? "donate" : "spend", project: project)
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Points.Redeem.self, sent)
                    if options.json { return try printJSON(r) }
                    printPointsChange(r, verb: donate ? "donated" : "spent")
                }
            }
        }
    }

    struct Adjust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or take away a member's points by hand (audited).",
            discussion: """
                The amount is given with --points so that a negative number reads as a value: \
                `crmctl points adjust 1001 --points -50 --key fix-1001-1 --reason "double credit"`. \
                Positive points make a lot that expires by the points policy; negative points consume lots like \
                spending, never below zero. --key makes the request idempotent, as for redeem.
                """
        )
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String
        @Option(
            name: .customLong("points"), parsing: .unconditional,
            help: ArgumentHelp("Points to add (positive) or take away (negative, e.g. --points -50).", valueName: "points"))
        var points: Int64
        @OptionGroup var request: PointsRequestOptions

        func validate() throws {
            guard points != 0 else { throw ValidationError("--points must not be zero") }
        }

        func run() async throws {
            try await runClientCommand("crmctl") {
                let sent = RPC.Points.Adjust.Params(
                    memberID: try CRMCommandLine.memberID(memberID), points: points, idempotencyKey: request.key,
                    reason: request.reason)
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Points.Adjust.self, sent)
                    if options.json { return try printJSON(r) }
                    printPointsChange(r, verb: "adjusted")
                }
            }
        }
    }

    struct Expiring: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Members with points expiring in the next days (the warning list; `points-expiry warn` writes it as CSV).")
        @OptionGroup var options: CommonOptions
        @Option(help: ArgumentHelp("The window in days after --as-of: 30 or 30d.", valueName: "days")) var within: String
        @Option(name: .customLong("as-of"), help: ArgumentHelp("The day the window starts after, YYYY-MM-DD (default: the server's today).", valueName: "date"))
        var asOf: String?

        func validate() throws {
            guard let days = Formats.days(within), (1...3_650).contains(days) else { throw ValidationError("--within must be a number of days, 30 or 30d") }
            if let asOf, !Formats.isCalendarDate(asOf) { throw ValidationError("--as-of must be a date YYYY-MM-DD") }
        }

        func run() async throws {
            let days = Formats.days(within) ?? 0
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    // Every page, answered as one (with the first page's as_of).
                    var members: [RPC.Points.Expiring.Member] = []
                    var cursor: String?
                    var firstAsOf: String?
                    repeat {
                        let page = try await client.call(RPC.Points.Expiring.self, .init(withinDays: days, asOf: asOf, cursor: cursor, limit: 500))
                        firstAsOf = firstAsOf ?? page.asOf
                        members += page.members
                        cursor = page.nextCursor
                    } while cursor != nil
                    let answer = RPC.Points.Expiring.Result(asOf: firstAsOf ?? asOf ?? "", members: members, nextCursor: nil)
                    if options.json { return try printJSON(answer) }
                    var table = TextTable(headers: ["member", "name", "phone", "email", "balance", "expiring", "first expiry", "by date"])
                    var total: Int64 = 0
                    for m in members {
                        total += m.expiringPoints
                        let schedule = m.expiring.map { "\($0.date):\($0.points)" }
                        table.add([
                            m.memberID.description, m.name ?? "-", m.phone ?? "-", m.email ?? "-", String(m.balance), String(m.expiringPoints),
                            m.firstExpiry, schedule.joined(separator: " "),
                        ])
                    }
                    print(table.render())
                    let window = "within \(days) days after \(answer.asOf)"
                    print("\n\(members.count) members, \(total) points expiring \(window)")
                }
            }
        }
    }
}

/// `--key` and `--reason` of the requests that change a balance.
struct PointsRequestOptions: ParsableArguments {
    @Option(help: "Idempotency key, 1-128 characters: the same request sent again with it changes nothing.") var key: String
    @Option(help: "Why (kept in the ledger and the audit).") var reason: String

    func validate() throws {
        guard (1...128).contains(key.count) else { throw ValidationError("--key must be 1-128 characters") }
        guard !reason.allSatisfy(\.isWhitespace) else { throw ValidationError("--reason must say why") }
    }
}

/// The answer of points.redeem and points.adjust, as a sentence.
func printPointsChange(_ r: RPC.Points.Change, verb: String) {
    let amount = verb == "adjusted" ? Formats.signedPoints(r.points) : String(r.points.magnitude)
    print("\(verb) \(amount) points of member \(r.memberID) (entry \(r.entryID)); balance now \(r.balance)")
    if r.replayed { print("(replayed: this key was used before for the same request; nothing changed this time)") }
}

/// Lines of `label  value`, the labels aligned.
func printLabelled(_ lines: [(String, String)]) {
    let width = lines.map { TextTable.displayWidth($0.0) }.max() ?? 0
    for (label, value) in lines { print(label + String(repeating: " ", count: width + 2 - TextTable.displayWidth(label)) + value) }
}

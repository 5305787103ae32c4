import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl campaign create NAME --segment S (--coupon T | --points N | --notice TEXT | --list |
/// --variant NAME:KIND[:VALUE]…) [options]`: a draft campaign.
struct CampaignCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a draft campaign on a saved segment: one action, or A/B variants; holdout, window, waves, budget, scope, consent.",
        discussion: """
            One action: --coupon TEMPLATE, --points N, --notice TEXT or --list (only the touch list, for an outside tool). \
            A/B variants instead: --variant NAME:coupon:TEMPLATE, --variant NAME:points:N, --variant NAME:notice:TEXT, \
            --variant NAME:list (equal shares). Waves: --every-days D --retouches K touch the non-responders again.
            """
    )
    @OptionGroup var options: CommonOptions
    @Argument(help: "Campaign name.") var name: String
    @Option(help: "Saved segment whose members the launch takes.") var segment: String?
    @Option(help: "Issue this coupon template.") var coupon: String?
    @Option(help: "Award this many points.") var points: Int64?
    @Option(help: "Write a notice with this message for the messaging gateway.") var notice: String?
    @Flag(help: "Only record the touch list.") var list = false
    @Option(help: "An A/B variant NAME:KIND[:VALUE] (repeatable).") var variant: [String] = []
    @Option(help: "Percent held out as the control group (default 10).") var holdout: Int64?
    @Option(name: .customLong("window-days"), help: "Days after a touch an order counts as a response (default 10).") var windowDays: Int64?
    @Option(name: .customLong("every-days"), help: "Days between waves.") var everyDays: Int64?
    @Option(help: "Waves after the first, over the non-responders.") var retouches: Int64?
    @Option(help: "Most members touched over every wave.") var budget: Int64?
    @Option(help: "Only orders of this shop count as responses (repeatable).") var shop: [String] = []
    @Option(help: "Only orders of this channel count as responses (repeatable).") var channel: [String] = []
    @Option(name: .customLong("consent-channel"), help: "The channel whose marketing consent members need (default: any).") var consentChannel: String?
    @Option(help: "Standing campaign: members entering this lifecycle stage.") var lifecycle: String?
    @Flag(name: .customLong("birthday-month"), help: "Standing campaign: members whose birthday month begins.") var birthdayMonth = false
    @Option(name: .customLong("points-per-yuan"), help: "Points per yuan of cost in reports (default 100).") var pointsPerYuan: Int64?

    func validate() throws {
        let single = [coupon != nil, points != nil, notice != nil, list].filter { $0 }.count
        guard (single == 1) != !variant.isEmpty, single <= 1 else { throw ValidationError("give one of --coupon, --points, --notice, --list, or --variant") }
        guard (everyDays == nil) == (retouches == nil) else { throw ValidationError("--every-days and --retouches go together") }
        for v in variant { _ = try Self.variant(v) }
    }

    /// `NAME:KIND[:VALUE]` as a variant.
    static func variant(_ text: String) throws -> RPC.Campaign.Variant {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty else { throw ValidationError("--variant is NAME:KIND[:VALUE], e.g. a:coupon:T3") }
        let value = parts.count > 2 ? parts[2] : nil
        switch parts[1] {
        case "coupon": return .init(name: parts[0], action: .init(kind: "coupon", template: value))
        case "points": return .init(name: parts[0], action: .init(kind: "points", points: value.flatMap { Int64($0) }))
        case "notice": return .init(name: parts[0], action: .init(kind: "notice", message: value))
        case "list": return .init(name: parts[0], action: .init(kind: "list"))
        default: throw ValidationError("--variant kinds are coupon, points, notice and list")
        }
    }

    func params() throws -> RPC.Campaign.Create.Params {
        var action: RPC.Campaign.Action?
        if let coupon { action = .init(kind: "coupon", template: coupon) }
        if let points { action = .init(kind: "points", points: points) }
        if let notice { action = .init(kind: "notice", message: notice) }
        if list { action = .init(kind: "list") }
        let trigger = lifecycle != nil || birthdayMonth ? RPC.Campaign.Trigger(lifecycle: lifecycle, birthdayMonth: birthdayMonth ? true : nil) : nil
        return .init(
            name: name, segment: segment, action: action, variants: variant.isEmpty ? nil : try variant.map(Self.variant), holdoutPercent: holdout,
            windowDays: windowDays, waves: everyDays.map { .init(everyDays: $0, retouches: retouches ?? 1) }, budget: budget,
            scope: shop.isEmpty && channel.isEmpty ? nil : .init(shops: shop.isEmpty ? nil : shop, channels: channel.isEmpty ? nil : channel),
            consentChannel: consentChannel, trigger: trigger, pointsPerYuan: pointsPerYuan)
    }

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                let r = try await client.call(RPC.Campaign.Create.self, try params())
                if options.json { return try printJSON(r) }
                let arms = (r.campaign.plan["variants"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                let holdout = r.campaign.plan["holdout_percent"]?.cellText ?? "-"
                print("campaign \(r.campaign.name) created (draft): arms \(arms.joined(separator: ", ")) and control (\(holdout) %)")
            }
        }
    }
}

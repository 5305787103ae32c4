/// What a campaign does (分層營銷): the arms it splits its members into (variants, each with an
/// action, compared with each other and with a control group that is left alone), how long after a
/// touch an order counts as a response, whether non-responders are touched again in waves, how many
/// touches it may make in all, which orders count, whose consent it needs, and — for a standing
/// campaign — the event that brings members in.
public struct CampaignPlan: Sendable, Equatable {
    public var variants: [Variant]
    /// Share of members held out as the control group, in percent.
    public var holdoutPercent: Int64 = 10
    /// Days after a touch in which a paid order makes the member a responder.
    public var windowDays: Int64 = 10
    /// Touching the non-responders again; nil: one wave.
    public var waves: Waves?
    /// Most members touched over all occasions; nil: no limit.
    public var budget: Int64?
    /// Which paid orders count as responses (empty lists: any shop, any channel).
    public var scope = Scope()
    /// The channel whose marketing consent a member must have given; nil: consent on any channel.
    public var consentChannel: String?
    /// A standing campaign's trigger (re-evaluated by the daily job); nil: launched on its segment.
    public var trigger: Trigger?
    /// Points per yuan of cost, to value awarded points in reports (100: a point costs a fen).
    public var pointsPerYuan: Int64 = 100

    /// One arm: its name, what it does and its share of the treated members (by weight).
    public struct Variant: Sendable, Equatable {
        public var name: String
        public var action: CampaignAction
        public var weight: Int64

        public init(name: String, action: CampaignAction, weight: Int64 = 1) {
            self.name = name
            self.action = action
            self.weight = weight
        }
    }

    /// Re-touching those who did not respond: every `everyDays` days after the previous wave, at
    /// most `retouches` more times.
    public struct Waves: Sendable, Equatable {
        public var everyDays: Int64
        public var retouches: Int64

        public init(everyDays: Int64, retouches: Int64) {
            self.everyDays = everyDays
            self.retouches = retouches
        }
    }

    /// Orders that count as a response.
    public struct Scope: Sendable, Equatable {
        public var shops: [String] = []
        public var channels: [Channel] = []

        public init(shops: [String] = [], channels: [Channel] = []) {
            self.shops = shops
            self.channels = channels
        }
    }

    /// What brings members into a standing campaign, each time they enter.
    public enum Trigger: Sendable, Equatable {
        /// Entering a lifecycle stage (e.g. active → silent).
        case lifecycle(LifecycleStage)
        /// Their birthday month beginning (once a year).
        case birthdayMonth
    }

    public static let maxVariants = 10
    public static let consentChannels = ["sms", "wechat", "email", "app_push", "phone"]
    /// The arm name of the control group; no variant may take it.
    public static let control = "control"

    public init(variants: [Variant]) {
        self.variants = variants
    }

    /// Problems that make the plan unusable; empty when fine.
    public func problems() -> [String] {
        var out: [String] = []
        if variants.isEmpty || variants.count > Self.maxVariants { out.append("a campaign has 1 to \(Self.maxVariants) variants") }
        let names = variants.map(\.name)
        if Set(names).count != names.count { out.append("variant names must be unique") }
        for v in variants {
            if v.name.isEmpty || v.name.count > 50 || v.name == Self.control { out.append("variant names are 1-50 characters and not \(Self.control)") }
            if !(1...1_000).contains(v.weight) { out.append("variant \(v.name): weight must be between 1 and 1000") }
            out += v.action.problems().map { "variant \(v.name): \($0)" }
        }
        if !(0...90).contains(holdoutPercent) { out.append("holdout_percent must be between 0 and 90") }
        if !(1...365).contains(windowDays) { out.append("window_days must be between 1 and 365") }
        if let w = waves {
            if !(1...365).contains(w.everyDays) { out.append("waves.every_days must be between 1 and 365") }
            if !(1...20).contains(w.retouches) { out.append("waves.retouches must be between 1 and 20") }
        }
        if let b = budget, !(1...100_000_000).contains(b) { out.append("budget must be between 1 and 100000000 touches") }
        if let ch = consentChannel, !Self.consentChannels.contains(ch) {
            out.append("consent_channel must be one of \(Self.consentChannels.joined(separator: ", "))")
        }
        if trigger != nil && waves != nil { out.append("a standing campaign touches each entry once: it has no waves") }
        if !(1...1_000_000).contains(pointsPerYuan) { out.append("points_per_yuan must be between 1 and 1000000") }
        return out
    }

    /// The variant of this name.
    public func variant(_ name: String) -> Variant? { variants.first { $0.name == name } }
}

/// What touching a member does.
public enum CampaignAction: Sendable, Equatable {
    /// Issues a coupon of the template.
    case coupon(template: String)
    /// Awards points (ledger kind `gift`).
    case points(Int64)
    /// Writes a notice for the messaging gateway.
    case notice(message: String)
    /// Only records the member on the touch list, for an outside tool to send.
    case list

    public var kind: String {
        switch self {
        case .coupon: "coupon"
        case .points: "points"
        case .notice: "notice"
        case .list: "list"
        }
    }

    func problems() -> [String] {
        switch self {
        case .coupon(let t): t.isEmpty || t.count > 100 ? ["coupon must name a template"] : []
        case .points(let p): (1...1_000_000).contains(p) ? [] : ["points must be between 1 and 1000000"]
        case .notice(let m): m.isEmpty || m.count > 500 ? ["a notice's message is 1-500 characters"] : []
        case .list: []
        }
    }
}

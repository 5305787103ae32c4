/// The merchant's referral rewards (雙返利), one version of them: what both sides earn when the
/// referred member's first paid order arrives (by tier of that order's amount, higher during a
/// campaign), the referrer's share of the referred member's later orders for some months, caps per
/// referrer, and the return window in which a refund of the qualifying order takes both rewards back.
public struct ReferralProgram: Sendable, Equatable {
    public var version: Int64 = 0
    public var referrerPoints: Int64 = 100
    public var referredPoints: Int64 = 50
    /// The first order must be at least this to qualify.
    public var minOrderFen: Int64 = 0
    public var tiers: [Tier] = []
    public var campaigns: [Campaign] = []
    /// The referrer earns this percent of the points the referred member's later orders are worth
    /// at the base rate, for `shareMonths` after the first order (0: no long-term binding).
    public var sharePercent: Int64 = 0
    public var shareMonths: Int64 = 0
    public var capPerReferrerPerDay: Int64?
    public var capPerReferrerPerMonth: Int64?
    public var returnWindowDays: Int64 = 7
    /// `{code}` is replaced by the member's code.
    public var linkTemplate: String = "https://shop.example.com/r/{code}"
    /// Coupon templates given with the first-order rewards (雙返利 as coupons): to the referrer, to the referred member.
    public var referrerCoupon: String?
    public var referredCoupon: String?

    /// Rewards by the first order's amount: the highest tier the amount reaches replaces the base.
    public struct Tier: Sendable, Equatable {
        public var minOrderFen: Int64
        public var referrerPoints: Int64
        public var referredPoints: Int64
        public init(minOrderFen: Int64, referrerPoints: Int64, referredPoints: Int64) {
            self.minOrderFen = minOrderFen
            self.referrerPoints = referrerPoints
            self.referredPoints = referredPoints
        }
    }

    /// Higher rewards for first orders paid in [from, until) (UTC seconds): each side gets the larger.
    public struct Campaign: Sendable, Equatable {
        public var name: String
        public var from: Int64
        public var until: Int64
        public var referrerPoints: Int64
        public var referredPoints: Int64
        public init(name: String, from: Int64, until: Int64, referrerPoints: Int64, referredPoints: Int64) {
            self.name = name
            self.from = from
            self.until = until
            self.referrerPoints = referrerPoints
            self.referredPoints = referredPoints
        }
    }

    public init() {}

    public static let maxPoints: Int64 = 1_000_000_000

    public func problems() -> [String] {
        var out: [String] = []
        let amounts =
            [referrerPoints, referredPoints] + tiers.flatMap { [$0.referrerPoints, $0.referredPoints] }
            + campaigns.flatMap { [$0.referrerPoints, $0.referredPoints] }
        if amounts.contains(where: { !(0...Self.maxPoints).contains($0) }) { out.append("rewards must be between 0 and \(Self.maxPoints) points") }
        if tiers.count > 20 || campaigns.count > 50 { out.append("at most 20 tiers and 50 campaigns") }
        if zip(tiers, tiers.dropFirst()).contains(where: { $0.minOrderFen >= $1.minOrderFen }) { out.append("tiers must rise by min_order") }
        if campaigns.contains(where: { $0.from >= $0.until }) { out.append("a campaign's from must be before its until") }
        if !(0...100).contains(sharePercent) || !(0...120).contains(shareMonths) { out.append("share_percent 0-100 and share_months 0-120") }
        if let c = capPerReferrerPerDay, c < 1 { out.append("cap_per_referrer_per_day must be positive") }
        if let c = capPerReferrerPerMonth, c < 1 { out.append("cap_per_referrer_per_month must be positive") }
        if !(0...365).contains(returnWindowDays) { out.append("return_window_days must be between 0 and 365") }
        if minOrderFen < 0 { out.append("min_order is never negative") }
        if !linkTemplate.contains("{code}") || linkTemplate.count > 500 { out.append("link_template must contain {code}") }
        for t in [referrerCoupon, referredCoupon] where t != nil && !(1...100).contains(t!.count) { out.append("coupon template names are 1-100 characters") }
        return out
    }

    /// What the first paid order earns each side, and why (`base`, `tier:<min>`, `campaign:<name>`).
    public func firstOrderRewards(amountFen: Int64, paidAt: Int64) -> (referrer: Int64, referred: Int64, basis: String) {
        var r = (referrerPoints, referredPoints, "base")
        if let tier = tiers.last(where: { amountFen >= $0.minOrderFen }) {
            r = (tier.referrerPoints, tier.referredPoints, "tier:\(Money.format(fen: tier.minOrderFen))")
        }
        for campaign in campaigns where campaign.from <= paidAt && paidAt < campaign.until {
            if campaign.referrerPoints > r.0 || campaign.referredPoints > r.1 {
                r = (max(r.0, campaign.referrerPoints), max(r.1, campaign.referredPoints), "campaign:\(campaign.name)")
            }
        }
        return r
    }

    /// The referrer's share of a later order, rounded down.
    public func share(amountFen: Int64, rateCenti: Int64) -> Int64 {
        Int64(Int128(amountFen) * Int128(rateCenti) * Int128(sharePercent) / 1_000_000)
    }

    /// What is left of the referrer's caps after `usedToday` and `usedThisMonth`, applied to `points`.
    public func capped(_ points: Int64, usedToday: Int64, usedThisMonth: Int64) -> Int64 {
        var p = points
        if let c = capPerReferrerPerDay { p = min(p, max(0, c - usedToday)) }
        if let c = capPerReferrerPerMonth { p = min(p, max(0, c - usedThisMonth)) }
        return p
    }

    public func link(code: String) -> String { linkTemplate.replacingAll("{code}", with: code) }
}

extension String {
    /// Every occurrence of `target` replaced (Foundation-free).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}

extension RPC {
    /// Measuring a campaign against its control group: `campaign.report`.
    public enum CampaignReport {
        public static let methods: [any RPCMethod.Type] = [Report.self]
    }
}

extension RPC.CampaignReport {
    /// `campaign.report`: what a campaign did, per wave and in total, per arm, treated against
    /// control and each variant against control and against each other (docs/campaigns.md (Reading a report)).
    public enum Report: RPCMethod {
        public static let name = "campaign.report"
        public static let summary =
            "What a campaign did, per wave and in total: members, responders, response rates, uplift with its 95 % interval, incremental orders and GMV, coupons redeemed (核銷率), cost, old customers' share of GMV."

        public struct Params: RPCObject {
            public var name: String
            /// Only this occasion (wave); absent: every occasion, and the total over them.
            public var occasion: Int64?
            public static let fieldRules: [String: FieldRule] = [
                "name": .text(maxLength: 100, nonEmpty: true), "occasion": .integer(1...1_000_000),
            ]
            public init(name: String, occasion: Int64? = nil) {
                self.name = name
                self.occasion = occasion
            }
        }

        /// The campaign, and its figures over the occasions reported (every one, or the one asked
        /// for); then each occasion's.
        public struct Result: RPCObject {
            public var name: String
            @Present public var segment: String?
            public var status: String
            public var windowDays: Int64
            public var holdoutPercent: Int64
            public var pointsPerYuan: Int64
            /// The shops and channels whose orders count (empty: any).
            public var scopeShops: [String]
            public var scopeChannels: [String]
            @Present public var launchedAt: String?
            /// The time the figures were read.
            public var asOf: String
            /// The occasion asked for (null: every occasion).
            @Present public var occasion: Int64?
            /// Every variant together.
            public var treated: Arm
            public var control: Arm
            /// Treated against control (the first of `comparisons`); null when an arm is empty.
            @Present public var uplift: Uplift?
            @Present public var incrementalOrders: Int64?
            @Present public var incrementalGMV: String?
            @Present public var incrementalGMVPerYuan: String?
            /// Each variant and the control group.
            public var arms: [Arm]
            /// Treated and each variant against control, then the variants against each other.
            public var comparisons: [Comparison]
            public var waves: [Wave]
            public init(
                name: String, segment: String?, status: String, plan: Plan, launchedAt: String?, asOf: String, occasion: Int64?, figures: Figures, waves: [Wave]
            ) {
                self.name = name
                self.segment = segment
                self.status = status
                self.windowDays = plan.windowDays
                self.holdoutPercent = plan.holdoutPercent
                self.pointsPerYuan = plan.pointsPerYuan
                self.scopeShops = plan.scopeShops
                self.scopeChannels = plan.scopeChannels
                self.launchedAt = launchedAt
                self.asOf = asOf
                self.occasion = occasion
                self.treated = figures.treated
                self.control = figures.control
                self.uplift = figures.comparisons.first?.uplift
                self.incrementalOrders = figures.comparisons.first?.incrementalOrders
                self.incrementalGMV = figures.comparisons.first?.incrementalGMV
                self.incrementalGMVPerYuan = figures.comparisons.first?.incrementalGMVPerYuan
                self.arms = figures.arms
                self.comparisons = figures.comparisons
                self.waves = waves
            }
        }

        /// What the report shows of the plan (not on the wire as such).
        public struct Plan: Sendable {
            public var windowDays: Int64
            public var holdoutPercent: Int64
            public var pointsPerYuan: Int64
            public var scopeShops: [String]
            public var scopeChannels: [String]
            public init(windowDays: Int64, holdoutPercent: Int64, pointsPerYuan: Int64, scopeShops: [String], scopeChannels: [String]) {
                self.windowDays = windowDays
                self.holdoutPercent = holdoutPercent
                self.pointsPerYuan = pointsPerYuan
                self.scopeShops = scopeShops
                self.scopeChannels = scopeChannels
            }
        }

        /// The figures of an occasion or of the total (not on the wire as such: their fields are).
        public struct Figures: Sendable {
            public var treated: Arm
            public var control: Arm
            public var arms: [Arm]
            public var comparisons: [Comparison]
            public init(treated: Arm, control: Arm, arms: [Arm], comparisons: [Comparison]) {
                self.treated = treated
                self.control = control
                self.arms = arms
                self.comparisons = comparisons
            }
        }

        /// One occasion (wave): when it started and when its response window ends, and its figures.
        public struct Wave: RPCObject {
            public var occasion: Int64
            public var startedAt: String
            public var windowEndsAt: String
            /// The window has not ended: responses may still come, the figures are not final.
            public var windowOpen: Bool
            /// The launch's batches over this occasion are all done.
            public var done: Bool
            public var treated: Arm
            public var control: Arm
            @Present public var uplift: Uplift?
            @Present public var incrementalOrders: Int64?
            @Present public var incrementalGMV: String?
            @Present public var incrementalGMVPerYuan: String?
            public var arms: [Arm]
            public var comparisons: [Comparison]
            public init(occasion: Int64, startedAt: String, windowEndsAt: String, windowOpen: Bool, done: Bool, figures: Figures) {
                self.occasion = occasion
                self.startedAt = startedAt
                self.windowEndsAt = windowEndsAt
                self.windowOpen = windowOpen
                self.done = done
                self.treated = figures.treated
                self.control = figures.control
                self.uplift = figures.comparisons.first?.uplift
                self.incrementalOrders = figures.comparisons.first?.incrementalOrders
                self.incrementalGMV = figures.comparisons.first?.incrementalGMV
                self.incrementalGMVPerYuan = figures.comparisons.first?.incrementalGMVPerYuan
                self.arms = figures.arms
                self.comparisons = figures.comparisons
            }
        }

        /// One arm (`treated`, `control` or a variant's name): money in yuan text, rates as
        /// fractions to four places (`"0.1250"`), shares as percentages to one place.
        public struct Arm: RPCObject {
            public var arm: String
            public var members: Int64
            public var touched: Int64
            public var refused: Int64
            public var budget: Int64
            public var responders: Int64
            @Present public var responseRate: String?
            public var orders: Int64
            public var gmv: String
            public var oldCustomerGMV: String
            public var oldCustomerShare: String
            public var couponsIssued: Int64
            public var couponsRedeemed: Int64
            /// 核銷率: redeemed / issued.
            @Present public var redemptionRate: String?
            public var cost: String
            public var noConsent: Int64
            public var merged: Int64
            public init(
                arm: String, members: Int64, touched: Int64, refused: Int64, budget: Int64, responders: Int64, responseRate: String?, orders: Int64,
                gmv: String, oldCustomerGMV: String, oldCustomerShare: String, couponsIssued: Int64, couponsRedeemed: Int64, redemptionRate: String?,
                cost: String, noConsent: Int64, merged: Int64
            ) {
                self.arm = arm
                self.members = members
                self.touched = touched
                self.refused = refused
                self.budget = budget
                self.responders = responders
                self.responseRate = responseRate
                self.orders = orders
                self.gmv = gmv
                self.oldCustomerGMV = oldCustomerGMV
                self.oldCustomerShare = oldCustomerShare
                self.couponsIssued = couponsIssued
                self.couponsRedeemed = couponsRedeemed
                self.redemptionRate = redemptionRate
                self.cost = cost
                self.noConsent = noConsent
                self.merged = merged
            }
        }

        /// The difference of two response rates with its 95 % confidence interval (fractions).
        public struct Uplift: RPCObject {
            public var value: String
            public var ciLow: String
            public var ciHigh: String
            public init(value: String, ciLow: String, ciHigh: String) {
                self.value = value
                self.ciLow = ciLow
                self.ciHigh = ciHigh
            }
        }

        /// `arm` against `against`: uplift, and what `arm` added beyond `against`'s rate per member.
        public struct Comparison: RPCObject {
            public var arm: String
            public var against: String
            @Present public var uplift: Uplift?
            @Present public var incrementalOrders: Int64?
            @Present public var incrementalGMV: String?
            /// Incremental GMV per yuan of `arm`'s cost.
            @Present public var incrementalGMVPerYuan: String?
            public init(arm: String, against: String, uplift: Uplift?, incrementalOrders: Int64?, incrementalGMV: String?, incrementalGMVPerYuan: String?) {
                self.arm = arm
                self.against = against
                self.uplift = uplift
                self.incrementalOrders = incrementalOrders
                self.incrementalGMV = incrementalGMV
                self.incrementalGMVPerYuan = incrementalGMVPerYuan
            }
        }
    }
}

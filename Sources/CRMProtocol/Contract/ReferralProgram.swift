extension RPC.Referral {
    /// The reward programme as `referral.program.get|set` return it (and as it is stored): each set
    /// is a new version.
    public struct Program: RPCObject {
        public var version: Int64
        public var referrerPoints: Int64
        public var referredPoints: Int64
        /// Yuan, as text: the first order must be at least this to qualify.
        public var minOrder: String
        public var tiers: [Tier]
        public var campaigns: [Campaign]
        public var sharePercent: Int64
        public var shareMonths: Int64
        public var returnWindowDays: Int64
        /// `{code}` is replaced by the member's code.
        public var linkTemplate: String
        @Present public var capPerReferrerPerDay: Int64?
        @Present public var capPerReferrerPerMonth: Int64?
        /// Coupon templates given with the first-order rewards, to each side (null: none).
        @Present public var referrerCoupon: String?
        @Present public var referredCoupon: String?
        public init(
            version: Int64, referrerPoints: Int64, referredPoints: Int64, minOrder: String, tiers: [Tier], campaigns: [Campaign],
            sharePercent: Int64, shareMonths: Int64, returnWindowDays: Int64, linkTemplate: String, capPerReferrerPerDay: Int64?,
            capPerReferrerPerMonth: Int64?, referrerCoupon: String? = nil, referredCoupon: String? = nil
        ) {
            self.version = version
            self.referrerPoints = referrerPoints
            self.referredPoints = referredPoints
            self.minOrder = minOrder
            self.tiers = tiers
            self.campaigns = campaigns
            self.sharePercent = sharePercent
            self.shareMonths = shareMonths
            self.returnWindowDays = returnWindowDays
            self.linkTemplate = linkTemplate
            self.capPerReferrerPerDay = capPerReferrerPerDay
            self.capPerReferrerPerMonth = capPerReferrerPerMonth
            self.referrerCoupon = referrerCoupon
            self.referredCoupon = referredCoupon
        }

        /// Rewards by the first order's amount: the highest tier reached replaces the base.
        public struct Tier: RPCObject {
            public var minOrder: String
            public var referrerPoints: Int64
            public var referredPoints: Int64
            public init(minOrder: String, referrerPoints: Int64, referredPoints: Int64) {
                self.minOrder = minOrder
                self.referrerPoints = referrerPoints
                self.referredPoints = referredPoints
            }
        }

        /// Rewards for bindings made within a period.
        public struct Campaign: RPCObject {
            public var name: String
            public var from: String
            public var until: String
            public var referrerPoints: Int64
            public var referredPoints: Int64
            public init(name: String, from: String, until: String, referrerPoints: Int64, referredPoints: Int64) {
                self.name = name
                self.from = from
                self.until = until
                self.referrerPoints = referrerPoints
                self.referredPoints = referredPoints
            }
        }
    }

    /// `referral.program.get`: the programme in force.
    public enum ProgramGet: RPCMethod {
        public static let name = "referral.program.get"
        public static let summary = "The referral programme in force."
        public typealias Params = NoParams
        public typealias Result = Program
    }

    /// `referral.program.set`: a new version of the programme (admin; audited).
    public enum ProgramSet: RPCMethod {
        public static let name = "referral.program.set"
        public static let summary = "Sets a new version of the referral programme; returns it as stored."
        public typealias Result = Program

        /// The programme is checked as a whole by its parser, which names the part at fault.
        public struct Params: RPCObject {
            /// An object; anything else is refused (`value must be an object`).
            public var value: JSONValue
            public init(value: JSONValue) { self.value = value }
        }
    }
}

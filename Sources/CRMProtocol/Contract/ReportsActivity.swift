extension RPC.Report {
    /// `report.lifecycle`: members by lifecycle stage, with the thresholds used.
    public enum Lifecycle: RPCMethod {
        public static let name = "report.lifecycle"
        public static let summary = "Members by lifecycle stage, with the thresholds used (fixed, or derived from repurchase intervals)."
        public typealias Params = AsOfParams

        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var asOf: String
            public var members: Int64
            /// `fixed` or `derived`.
            public var mode: String
            public var thresholds: Thresholds
            public var stages: [Stage]
            /// The merchant's repurchase intervals (days), when there are any.
            public var repurchaseIntervals: Intervals?
            public init(asOf: String, members: Int64, mode: String, thresholds: Thresholds, stages: [Stage], repurchaseIntervals: Intervals?) {
                self.asOf = asOf
                self.members = members
                self.mode = mode
                self.thresholds = thresholds
                self.stages = stages
                self.repurchaseIntervals = repurchaseIntervals
            }
        }

        /// Days that end each stage.
        public struct Thresholds: RPCObject {
            public var newDays: Int
            public var activeDays: Int
            public var silentDays: Int
            public var sleepingDays: Int
            public init(newDays: Int, activeDays: Int, silentDays: Int, sleepingDays: Int) {
                self.newDays = newDays
                self.activeDays = activeDays
                self.silentDays = silentDays
                self.sleepingDays = sleepingDays
            }
        }

        /// One lifecycle stage.
        public struct Stage: RPCObject, MembersShare {
            public var stage: String
            public var members: Int64
            public var share: String
            public init(stage: String, members: Int64, share: String) {
                self.stage = stage
                self.members = members
                self.share = share
            }
        }

        /// Percentiles of the days between members' consecutive purchases.
        public struct Intervals: RPCObject {
            public var count: Int64
            public var p50Days: Double
            public var p75Days: Double
            public var p90Days: Double
            public var p95Days: Double
            public init(count: Int64, p50Days: Double, p75Days: Double, p90Days: Double, p95Days: Double) {
                self.count = count
                self.p50Days = p50Days
                self.p75Days = p75Days
                self.p90Days = p90Days
                self.p95Days = p95Days
            }
        }
    }

    /// `report.seasons`: buyers by the number of seasons they bought in.
    public enum Seasons: RPCMethod {
        public static let name = "report.seasons"
        public static let summary = "Buyers in the window by the number of seasons they bought in, and those at risk."
        public typealias Params = AsOfParams

        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var asOf: String
            public var windowDays: Int
            public var buyers: Int64
            public var bySeasons: [Count]
            public var allFour: Int64
            /// Bought in the window but in neither of the last two seasons.
            public var atRisk: Int64
            public init(asOf: String, windowDays: Int, buyers: Int64, bySeasons: [Count], allFour: Int64, atRisk: Int64) {
                self.asOf = asOf
                self.windowDays = windowDays
                self.buyers = buyers
                self.bySeasons = bySeasons
                self.allFour = allFour
                self.atRisk = atRisk
            }
        }

        /// The buyers who bought in this many seasons.
        public struct Count: RPCObject, MembersShare {
            public var seasons: Int
            public var members: Int64
            public var share: String
            public init(seasons: Int, members: Int64, share: String) {
                self.seasons = seasons
                self.members = members
                self.share = share
            }
        }
    }

    /// `report.repurchase`: repurchase rates, old customers' share of spend, average order.
    public enum Repurchase: RPCMethod {
        public static let name = "report.repurchase"
        public static let summary = "Repurchase rates (in the window and ever), old customers' share of spend, and the average order."
        public typealias Params = AsOfParams

        /// Rates and shares are percentages with one decimal, amounts yuan, both as text.
        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var asOf: String
            public var windowDays: Int
            public var buyersInWindow: Int64
            public var repeatBuyersInWindow: Int64
            public var repurchaseRateInWindow: String
            public var buyersEver: Int64
            public var repeatBuyersEver: Int64
            public var repurchaseRateEver: String
            public var spendInWindow: String
            public var oldCustomerSpend: String
            public var oldCustomerShare: String
            public var purchasesInWindow: Int64
            public var averageOrder: String
            public init(
                asOf: String, windowDays: Int, buyersInWindow: Int64, repeatBuyersInWindow: Int64, repurchaseRateInWindow: String,
                buyersEver: Int64, repeatBuyersEver: Int64, repurchaseRateEver: String, spendInWindow: String, oldCustomerSpend: String,
                oldCustomerShare: String, purchasesInWindow: Int64, averageOrder: String
            ) {
                self.asOf = asOf
                self.windowDays = windowDays
                self.buyersInWindow = buyersInWindow
                self.repeatBuyersInWindow = repeatBuyersInWindow
                self.repurchaseRateInWindow = repurchaseRateInWindow
                self.buyersEver = buyersEver
                self.repeatBuyersEver = repeatBuyersEver
                self.repurchaseRateEver = repurchaseRateEver
                self.spendInWindow = spendInWindow
                self.oldCustomerSpend = oldCustomerSpend
                self.oldCustomerShare = oldCustomerShare
                self.purchasesInWindow = purchasesInWindow
                self.averageOrder = averageOrder
            }
        }
    }

    /// `report.channels`: buyers by the channels they buy in, and the overlap.
    public enum Channels: RPCMethod {
        public static let name = "report.channels"
        public static let summary = "Buyers by the channels they buy in (ever, or in the last `within_days`), and each combination of channels."

        public struct Params: ReportParams {
            public var asOf: String?
            /// Only purchases in the last days (default: ever).
            public var withinDays: Int?
            public static let fieldRules: [String: FieldRule] = ["as_of": AsOf.rule, "within_days": .integer(1...36_500)]
            public init(asOf: String? = nil, withinDays: Int? = nil) {
                self.asOf = asOf
                self.withinDays = withinDays
            }

            public func validate() throws(RPCError) { try AsOf.check(asOf) }
        }

        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var asOf: String
            @Present public var withinDays: Int?
            public var buyers: Int64
            public var multiChannel: Int64
            public var multiChannelShare: String
            public var byChannel: [ByChannel]
            public var combinations: [Combination]
            public init(
                asOf: String, withinDays: Int?, buyers: Int64, multiChannel: Int64, multiChannelShare: String, byChannel: [ByChannel],
                combinations: [Combination]
            ) {
                self.asOf = asOf
                self.withinDays = withinDays
                self.buyers = buyers
                self.multiChannel = multiChannel
                self.multiChannelShare = multiChannelShare
                self.byChannel = byChannel
                self.combinations = combinations
            }
        }

        /// The buyers who bought in this channel (among others or not).
        public struct ByChannel: RPCObject, MembersShare {
            public var channel: String
            public var members: Int64
            public var share: String
            public init(channel: String, members: Int64, share: String) {
                self.channel = channel
                self.members = members
                self.share = share
            }
        }

        /// The buyers who bought in exactly these channels (`mobile+web`).
        public struct Combination: RPCObject, MembersShare {
            public var channels: String
            public var members: Int64
            public var share: String
            public init(channels: String, members: Int64, share: String) {
                self.channels = channels
                self.members = members
                self.share = share
            }
        }
    }

    /// `report.levels`: members by level.
    public enum Levels: RPCMethod {
        public static let name = "report.levels"
        public static let summary = "Members by level, in the ladder's order."
        public typealias Params = AsOfParams

        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var members: Int64
            public var levels: [Level]
            public init(members: Int64, levels: [Level]) {
                self.members = members
                self.levels = levels
            }
        }

        /// One level of the ladder.
        public struct Level: RPCObject, MembersShare {
            public var code: String
            public var name: String
            public var members: Int64
            public var share: String
            public init(code: String, name: String, members: Int64, share: String) {
                self.code = code
                self.name = name
                self.members = members
                self.share = share
            }
        }
    }
}

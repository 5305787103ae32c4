extension RPC {
    /// Reports: the measures of the merchant's live members, as of now or `as_of`.
    public enum Report {
        public static let methods: [any RPCMethod.Type] = [
            RFM.self, Pyramid.self, PurchaseGroups.self, Lifecycle.self, Seasons.self, Repurchase.self, Channels.self, Levels.self,
        ]
    }
}

/// A row of a report that counts members: how many, and their share of the whole (a percentage
/// with one decimal, as text: `"12.5"`).
public protocol MembersShare {
    var members: Int64 { get }
    var share: String { get }
}

/// The params of a report method: what the method takes besides `as_of`.
public protocol ReportParams: RPCObject {
    var asOf: String? { get }
}

extension RPC.Report {
    /// The params of every report but `report.channels`.
    public struct AsOfParams: ReportParams {
        public var asOf: String?
        public static let fieldRules: [String: FieldRule] = ["as_of": AsOf.rule]
        public init(asOf: String? = nil) { self.asOf = asOf }
        public func validate() throws(RPCError) { try AsOf.check(asOf) }
    }

    /// `report.rfm`: members by recency, frequency and monetary band.
    public enum RFM: RPCMethod {
        public static let name = "report.rfm"
        public static let summary = "Members by recency, frequency and monetary band (each on its own and in cells of all three)."
        public typealias Params = AsOfParams

        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var asOf: String
            public var windowDays: Int
            public var members: Int64
            public var r: [Band]
            public var f: [Band]
            public var m: [Band]
            public var cells: [Cell]
            public init(asOf: String, windowDays: Int, members: Int64, r: [Band], f: [Band], m: [Band], cells: [Cell]) {
                self.asOf = asOf
                self.windowDays = windowDays
                self.members = members
                self.r = r
                self.f = f
                self.m = m
                self.cells = cells
            }
        }

        /// One band of one measure (band 0: `none`, no purchase in the window).
        public struct Band: RPCObject, MembersShare {
            public var band: Int
            public var label: String
            public var members: Int64
            public var share: String
            public init(band: Int, label: String, members: Int64, share: String) {
                self.band = band
                self.label = label
                self.members = members
                self.share = share
            }
        }

        /// The members in one R × F × M cell and what they spent (yuan).
        public struct Cell: RPCObject {
            public var r: Int
            public var f: Int
            public var m: Int
            public var members: Int64
            public var spend: String
            public init(r: Int, f: Int, m: Int, members: Int64, spend: String) {
                self.r = r
                self.f = f
                self.m = m
                self.members = members
                self.spend = spend
            }
        }
    }

    /// The bounds of a contribution tier (as the `segments` setting holds them): purchases in the
    /// window and the average order in yuan, each bound present only when set.
    public struct PyramidTier: RPCObject {
        public var minPurchases: Int64
        public var maxPurchases: Int64?
        public var averageFrom: String?
        public var averageAbove: String?
        public var averageTo: String?
        public var averageBelow: String?
        public init(
            minPurchases: Int64, maxPurchases: Int64? = nil, averageFrom: String? = nil, averageAbove: String? = nil, averageTo: String? = nil,
            averageBelow: String? = nil
        ) {
            self.minPurchases = minPurchases
            self.maxPurchases = maxPurchases
            self.averageFrom = averageFrom
            self.averageAbove = averageAbove
            self.averageTo = averageTo
            self.averageBelow = averageBelow
        }
    }

    /// `report.pyramid`: the contribution pyramid.
    public enum Pyramid: RPCMethod {
        public static let name = "report.pyramid"
        public static let summary = "The contribution pyramid: members and spend by tier of purchases and average order in the window."
        public typealias Params = AsOfParams

        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var asOf: String
            public var windowDays: Int
            public var members: Int64
            public var tiers: [Tier]
            public init(asOf: String, windowDays: Int, members: Int64, tiers: [Tier]) {
                self.asOf = asOf
                self.windowDays = windowDays
                self.members = members
                self.tiers = tiers
            }
        }

        /// One tier, with its bounds when the setting gives it any.
        public struct Tier: RPCObject, MembersShare {
            public var tier: String
            public var members: Int64
            public var share: String
            public var spend: String
            public var spendShare: String
            public var thresholds: PyramidTier?
            public init(tier: String, members: Int64, share: String, spend: String, spendShare: String, thresholds: PyramidTier?) {
                self.tier = tier
                self.members = members
                self.share = share
                self.spend = spend
                self.spendShare = spendShare
                self.thresholds = thresholds
            }
        }
    }

    /// `report.purchase_groups`: members by how many purchases they made.
    public enum PurchaseGroups: RPCMethod {
        public static let name = "report.purchase_groups"
        public static let summary = "Members by purchase-count group."
        public typealias Params = AsOfParams

        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var asOf: String
            public var windowDays: Int
            public var members: Int64
            public var groups: [Group]
            public init(asOf: String, windowDays: Int, members: Int64, groups: [Group]) {
                self.asOf = asOf
                self.windowDays = windowDays
                self.members = members
                self.groups = groups
            }
        }

        /// One purchase-count group.
        public struct Group: RPCObject, MembersShare {
            public var group: String
            public var members: Int64
            public var share: String
            public init(group: String, members: Int64, share: String) {
                self.group = group
                self.members = members
                self.share = share
            }
        }
    }
}

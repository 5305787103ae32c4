extension RPC {
    /// The points ledger's months (docs/operations.md, "Partitions").
    public enum Ledger {
        public static let methods: [any RPCMethod.Type] = [Archive.self]
    }
}

extension RPC.Ledger {
    /// `ledger.archive`: keeps a month's effect on the books in narrow rows and detaches its entries'
    /// and lot changes' partitions, for the operator to dump and drop.
    public enum Archive: RPCMethod {
        public static let name = "ledger.archive"
        public static let summary =
            "Archives a month of the points ledger that is over: carries its sums forward and detaches its two partitions, in one transaction."

        public struct Params: RPCObject {
            /// `YYYY-MM`, a month before the current one (UTC).
            public var month: String
            public static let fieldRules: [String: FieldRule] = ["month": .text(maxLength: 7, nonEmpty: true)]
            public init(month: String) { self.month = month }
        }

        public struct Result: RPCObject {
            public var month: String
            /// Entries and lot changes detached.
            public var entries: Int64
            public var lotChanges: Int64
            /// Entries kept because a points request, a referral reward or a campaign touch names them.
            public var kept: Int64
            /// The detached tables, to dump and then drop.
            public var detached: [String]
            public init(month: String, entries: Int64, lotChanges: Int64, kept: Int64, detached: [String]) {
                self.month = month
                self.entries = entries
                self.lotChanges = lotChanges
                self.kept = kept
                self.detached = detached
            }
        }
    }
}

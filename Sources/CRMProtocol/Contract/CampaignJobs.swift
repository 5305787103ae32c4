extension RPC {
    /// The daily job's part of campaigns: standing campaigns evaluated in batches.
    public enum CampaignJobs {
        public static let methods: [any RPCMethod.Type] = [Evaluate.self]

        /// `campaign.evaluate`: one batch of the daily evaluation of the standing campaigns.
        public enum Evaluate: RPCMethod {
            public static let name = "campaign.evaluate"
            public static let summary =
                "Touches the members entering a standing campaign's lifecycle stage or birthday month (once per entry), one batch of members at a time; call again until done."

            public struct Params: RPCObject {
                /// The merchant's day (default today); never after today.
                public var asOf: String?
                /// Member ids looked at in this batch (default 5,000).
                public var limit: Int?
                public static let fieldRules: [String: FieldRule] = ["as_of": .date, "limit": .integer(1...50_000)]
                public init(asOf: String? = nil, limit: Int? = nil) {
                    self.asOf = asOf
                    self.limit = limit
                }
            }

            public struct Result: RPCObject {
                public var asOf: String
                /// The campaign and its occasion (the day's) this batch evaluated; null when none was left.
                @Present public var campaign: String?
                @Present public var occasion: Int64?
                /// Member ids looked at, and the entries found among them.
                public var members: Int64
                public var entries: Int64
                public var touched: Int64
                public var heldOut: Int64
                public var noConsent: Int64
                public var budget: Int64
                public var refused: Int64
                /// Entries recorded before (an earlier day of the same stay, or a rerun): left alone.
                public var already: Int64
                /// The campaign is done for the day.
                public var campaignDone: Bool
                /// Why the campaign was passed over today (its saved segment is gone or no longer valid).
                @Present public var problem: String?
                /// Every standing campaign is done for the day.
                public var done: Bool
                public init(
                    asOf: String, campaign: String?, occasion: Int64?, members: Int64, entries: Int64, touched: Int64, heldOut: Int64, noConsent: Int64,
                    budget: Int64, refused: Int64, already: Int64, campaignDone: Bool, problem: String?, done: Bool
                ) {
                    self.asOf = asOf
                    self.campaign = campaign
                    self.occasion = occasion
                    self.members = members
                    self.entries = entries
                    self.touched = touched
                    self.heldOut = heldOut
                    self.noConsent = noConsent
                    self.budget = budget
                    self.refused = refused
                    self.already = already
                    self.campaignDone = campaignDone
                    self.problem = problem
                    self.done = done
                }
            }
        }
    }
}

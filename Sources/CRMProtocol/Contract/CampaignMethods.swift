import CRMDomain

extension RPC.Campaign {
    /// `campaign.create`: a draft campaign on a saved segment (or a standing campaign's trigger).
    public enum Create: RPCMethod {
        public static let name = "campaign.create"
        public static let summary =
            "Creates a draft campaign: a saved segment, an action (or A/B variants), holdout, response window, waves, budget, scope, consent channel, trigger."

        public struct Params: RPCObject {
            public var name: String
            public var segment: String?
            /// One arm's action; or `variants`, one of them.
            public var action: Action?
            public var variants: [Variant]?
            public var holdoutPercent: Int64?
            public var windowDays: Int64?
            public var waves: Waves?
            /// Most members touched over every wave.
            public var budget: Int64?
            public var scope: Scope?
            /// The channel whose marketing consent a member must have given (absent: any channel).
            public var consentChannel: String?
            public var trigger: Trigger?
            public var pointsPerYuan: Int64?
            public static let fieldRules: [String: FieldRule] = [
                "name": nameRule, "segment": .text(maxLength: 200, nonEmpty: true), "variants": .items(max: 10, each: nil),
                "consent_channel": .oneOf(CampaignPlan.consentChannels, reason: .badConsent),
            ]
            public init(
                name: String, segment: String? = nil, action: Action? = nil, variants: [Variant]? = nil, holdoutPercent: Int64? = nil,
                windowDays: Int64? = nil, waves: Waves? = nil, budget: Int64? = nil, scope: Scope? = nil, consentChannel: String? = nil,
                trigger: Trigger? = nil, pointsPerYuan: Int64? = nil
            ) {
                self.name = name
                self.segment = segment
                self.action = action
                self.variants = variants
                self.holdoutPercent = holdoutPercent
                self.windowDays = windowDays
                self.waves = waves
                self.budget = budget
                self.scope = scope
                self.consentChannel = consentChannel
                self.trigger = trigger
                self.pointsPerYuan = pointsPerYuan
            }

            public func validate() throws(RPCError) {
                guard (action == nil) != (variants == nil) else {
                    throw .invalidParams("give action (one arm) or variants, one of them", field: "action", reason: .badCampaign)
                }
                guard segment != nil || trigger != nil else {
                    throw .invalidParams("a campaign takes a saved segment, or a trigger for a standing campaign", field: "segment", reason: .badCampaign)
                }
                try trigger?.validate()
            }
        }

        public typealias Result = One
    }

    /// `campaign.get`: a campaign and its occasions (waves) so far.
    public enum Get: RPCMethod {
        public static let name = "campaign.get"
        public static let summary = "Shows a campaign, its plan and its waves so far."
        public typealias Params = Named

        public struct Result: RPCObject {
            public var campaign: Summary
            public var occasions: [Occasion]
            public init(campaign: Summary, occasions: [Occasion]) {
                self.campaign = campaign
                self.occasions = occasions
            }
        }
    }

    /// One occasion (a wave, or a standing campaign's day) and its tally.
    public struct Occasion: RPCObject {
        public var occasion: Int64
        public var startedAt: String
        @Present public var finishedAt: String?
        public var total: Int64
        public var done: Bool
        public var touched: Int64
        public var heldOut: Int64
        public var noConsent: Int64
        public var budget: Int64
        public var refused: Int64
        public init(
            occasion: Int64, startedAt: String, finishedAt: String?, total: Int64, done: Bool, touched: Int64, heldOut: Int64, noConsent: Int64,
            budget: Int64, refused: Int64
        ) {
            self.occasion = occasion
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.total = total
            self.done = done
            self.touched = touched
            self.heldOut = heldOut
            self.noConsent = noConsent
            self.budget = budget
            self.refused = refused
        }
    }

    /// `campaign.list`: campaigns by name, of one status when given.
    public enum List: RPCMethod {
        public static let name = "campaign.list"
        public static let summary = "Lists campaigns by name, a page at a time (of one status when given)."

        public struct Params: RPCObject {
            public var status: String?
            public var cursor: String?
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = [
                "status": .oneOf(statuses, reason: .badStatus), "cursor": Page.cursorRule, "limit": Page.limitRule,
            ]
            public init(status: String? = nil, cursor: String? = nil, limit: Int? = nil) {
                self.status = status
                self.cursor = cursor
                self.limit = limit
            }
        }

        public struct Result: RPCObject {
            public var campaigns: [Summary]
            @Present public var nextCursor: String?
            public init(campaigns: [Summary], nextCursor: String?) {
                self.campaigns = campaigns
                self.nextCursor = nextCursor
            }
        }
    }

    /// `campaign.launch`: one committed batch of the launch; call again until `finished` (or
    /// `done`, then again from `next_wave_at` for the next wave).
    public enum Launch: RPCMethod {
        public static let name = "campaign.launch"
        public static let summary =
            "Launches a campaign one committed batch at a time (the first call takes the segment's members); call again until done, later for the next wave."

        public struct Params: RPCObject {
            public var name: String
            /// Members per batch (default 1,000).
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = ["name": nameRule, "limit": .integer(1...10_000)]
            public init(name: String, limit: Int? = nil) {
                self.name = name
                self.limit = limit
            }
        }

        /// The current wave's totals so far; `done` when all its batches are committed, `finished`
        /// when no wave is left (or the campaign was stopped).
        public struct Result: RPCObject {
            public var name: String
            public var status: String
            @Present public var occasion: Int64?
            public var touched: Int64
            public var heldOut: Int64
            public var noConsent: Int64
            public var budget: Int64
            public var refused: Int64
            public var total: Int64
            public var done: Bool
            @Present public var nextWaveAt: String?
            public var finished: Bool
            public init(
                name: String, status: String, occasion: Int64?, touched: Int64, heldOut: Int64, noConsent: Int64, budget: Int64, refused: Int64,
                total: Int64, done: Bool, nextWaveAt: String?, finished: Bool
            ) {
                self.name = name
                self.status = status
                self.occasion = occasion
                self.touched = touched
                self.heldOut = heldOut
                self.noConsent = noConsent
                self.budget = budget
                self.refused = refused
                self.total = total
                self.done = done
                self.nextWaveAt = nextWaveAt
                self.finished = finished
            }
        }
    }

    /// `campaign.stop`: no batch or wave touches anyone after this.
    public enum Stop: RPCMethod {
        public static let name = "campaign.stop"
        public static let summary = "Stops a campaign: no batch or wave touches anyone after this; its touches so far stay."
        public typealias Params = Named
        public typealias Result = One
    }
}

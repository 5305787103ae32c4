import CRMDomain

extension RPC {
    /// Campaigns with a control group (分層營銷, docs/campaigns.md): a saved segment, one action or
    /// A/B variants, a holdout share left untouched, a response window, waves over non-responders,
    /// a budget of touches; launched in committed batches, stopped, and their touch list.
    public enum Campaign {
        public static let methods: [any RPCMethod.Type] = [Create.self, Get.self, List.self, Launch.self, Stop.self, Touches.self]
        static let nameRule = FieldRule.text(maxLength: 100, nonEmpty: true)
        static let statuses = ["draft", "running", "stopped", "done"]
        static let touchStatuses = ["touched", "held_out", "no_consent", "budget", "refused"]
    }
}

extension RPC.Campaign {
    /// What touching a member does: `coupon` (`template`), `points` (`points`), `notice`
    /// (`message`, for the messaging gateway) or `list` (only the touch list, for an outside tool).
    public struct Action: RPCObject {
        public var kind: String
        public var template: String?
        public var points: Int64?
        public var message: String?
        public static let fieldRules: [String: FieldRule] = [
            "kind": .oneOf(["coupon", "points", "notice", "list"], reason: .badCampaign), "template": nameRule, "message": .text(maxLength: 500),
        ]
        public init(kind: String, template: String? = nil, points: Int64? = nil, message: String? = nil) {
            self.kind = kind
            self.template = template
            self.points = points
            self.message = message
        }
    }

    /// One arm of an A/B test: its name, action and share of the treated members (by weight, default 1).
    public struct Variant: RPCObject {
        public var name: String
        public var action: Action
        public var weight: Int64?
        public static let fieldRules: [String: FieldRule] = ["name": .text(maxLength: 50, nonEmpty: true)]
        public init(name: String, action: Action, weight: Int64? = nil) {
            self.name = name
            self.action = action
            self.weight = weight
        }
    }

    /// Touching the non-responders again every `every_days`, at most `retouches` more times.
    public struct Waves: RPCObject {
        public var everyDays: Int64
        public var retouches: Int64
        public init(everyDays: Int64, retouches: Int64) {
            self.everyDays = everyDays
            self.retouches = retouches
        }
    }

    /// Orders that count as a response (absent or empty: any shop, any channel).
    public struct Scope: RPCObject {
        public var shops: [String]?
        public var channels: [String]?
        public static let fieldRules: [String: FieldRule] = [
            "shops": .items(max: 200, each: .text(maxLength: 32, nonEmpty: true)),
            "channels": .items(max: 3, each: .oneOf(["mobile", "web", "group_buy"], reason: .badChannel)),
        ]
        public init(shops: [String]? = nil, channels: [String]? = nil) {
            self.shops = shops
            self.channels = channels
        }
    }

    /// A standing campaign's trigger: entering a lifecycle stage, or the birthday month.
    public struct Trigger: RPCObject {
        public var lifecycle: String?
        public var birthdayMonth: Bool?
        public static let fieldRules: [String: FieldRule] = [
            "lifecycle": .oneOf(["new", "active", "silent", "sleeping", "churned"], reason: .badCampaign)
        ]
        public init(lifecycle: String? = nil, birthdayMonth: Bool? = nil) {
            self.lifecycle = lifecycle
            self.birthdayMonth = birthdayMonth
        }

        public func validate() throws(RPCError) {
            guard (lifecycle != nil) != (birthdayMonth == true) else {
                throw .invalidParams("a trigger is a lifecycle stage or birthday_month: true", field: "trigger", reason: .badCampaign)
            }
        }
    }

    /// A campaign as stored: `plan` is its definition (variants, holdout_percent, window_days,
    /// waves, budget, scope, consent_channel, trigger, points_per_yuan).
    public struct Summary: RPCObject {
        public var name: String
        @Present public var segment: String?
        public var plan: JSONValue
        public var status: String
        /// Members touched over every wave (what the budget counts).
        public var touched: Int64
        /// Members the launch took from the segment.
        public var members: Int64
        public var createdAt: String
        public var createdBy: String
        @Present public var launchedAt: String?
        @Present public var stoppedAt: String?
        @Present public var stoppedBy: String?
        public init(
            name: String, segment: String?, plan: JSONValue, status: String, touched: Int64, members: Int64, createdAt: String, createdBy: String,
            launchedAt: String?, stoppedAt: String?, stoppedBy: String?
        ) {
            self.name = name
            self.segment = segment
            self.plan = plan
            self.status = status
            self.touched = touched
            self.members = members
            self.createdAt = createdAt
            self.createdBy = createdBy
            self.launchedAt = launchedAt
            self.stoppedAt = stoppedAt
            self.stoppedBy = stoppedBy
        }
    }

    /// `{"campaign": …}`.
    public struct One: RPCObject {
        public var campaign: Summary
        public init(campaign: Summary) { self.campaign = campaign }
    }

    /// `{"name"}`.
    public struct Named: RPCObject {
        public var name: String
        public static let fieldRules: [String: FieldRule] = ["name": nameRule]
        public init(name: String) { self.name = name }
    }
}

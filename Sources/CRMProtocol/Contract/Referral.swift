extension RPC {
    /// Referrals (老帶新): members' codes and links, who referred whom, binding by hand, statistics.
    public enum Referral {
        public static let methods: [any RPCMethod.Type] = [Link.self, Get.self, Bind.self, Stats.self, ProgramGet.self, ProgramSet.self]

        /// One referral: a referred member bound to a referrer's code.
        public struct Binding: RPCObject {
            public var bindingID: Int64
            /// The other member of the binding (the referrer, or the member referred).
            public var memberID: MemberID
            @Present public var name: String?
            public var code: String
            public var status: String
            public var source: String
            public var boundAt: String
            @Present public var qualifiedAt: String?
            @Present public var voidReason: String?
            public var points: Int64
            public init(
                bindingID: Int64, memberID: MemberID, name: String?, code: String, status: String, source: String, boundAt: String,
                qualifiedAt: String?, voidReason: String?, points: Int64
            ) {
                self.bindingID = bindingID
                self.memberID = memberID
                self.name = name
                self.code = code
                self.status = status
                self.source = source
                self.boundAt = boundAt
                self.qualifiedAt = qualifiedAt
                self.voidReason = voidReason
                self.points = points
            }
        }
    }
}

extension RPC.Referral {
    /// `referral.link`: a member's referral code and link (made on first use).
    public enum Link: RPCMethod {
        public static let name = "referral.link"
        public static let summary = "A member's referral code and link, made on first use."

        public typealias Params = RPC.MemberRef

        public struct Result: RPCObject {
            public var memberID: MemberID
            public var code: String
            public var url: String
            public init(memberID: MemberID, code: String, url: String) {
                self.memberID = memberID
                self.code = code
                self.url = url
            }
        }
    }

    /// `referral.get`: who referred a member and whom the member referred.
    public enum Get: RPCMethod {
        public static let name = "referral.get"
        public static let summary = "Who referred a member and whom the member referred, with status and points."

        public typealias Params = RPC.MemberRef

        public struct Result: RPCObject {
            public var memberID: MemberID
            public var code: String
            @Present public var referredBy: Binding?
            public var referred: [Binding]
            public init(memberID: MemberID, code: String, referredBy: Binding?, referred: [Binding]) {
                self.memberID = memberID
                self.code = code
                self.referredBy = referredBy
                self.referred = referred
            }
        }
    }

    /// `referral.bind`: binds a member to the owner of a code by hand (audited).
    public enum Bind: RPCMethod {
        public static let name = "referral.bind"
        public static let summary = "Binds a member to the owner of a referral code by hand, under the same rules as a signup; audited."

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var code: String
            public var reason: String
            public static let fieldRules: [String: FieldRule] = ["code": .text(maxLength: 32), "reason": .text(maxLength: 500)]
            public init(memberID: MemberID, code: String, reason: String) {
                self.memberID = memberID
                self.code = code
                self.reason = reason
            }
        }

        public struct Result: RPCObject {
            public var bindingID: Int64
            public var memberID: MemberID
            public init(bindingID: Int64, memberID: MemberID) {
                self.bindingID = bindingID
                self.memberID = memberID
            }
        }
    }

    /// `referral.stats`: conversion and the top referrers.
    public enum Stats: RPCMethod {
        public static let name = "referral.stats"
        public static let summary = "How many bindings were rewarded or voided, and the top referrers."

        public struct Params: RPCObject {
            /// How many referrers to list (default 20).
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = ["limit": .integer(1...1_000)]
            public init(limit: Int? = nil) { self.limit = limit }
        }

        public struct Result: RPCObject {
            public var bindings: Int64
            public var rewarded: Int64
            public var voided: Int64
            /// Rewarded bindings as a percentage of all, to one decimal.
            public var conversionPercent: Double
            public var top: [Referrer]
            public init(bindings: Int64, rewarded: Int64, voided: Int64, conversionPercent: Double, top: [Referrer]) {
                self.bindings = bindings
                self.rewarded = rewarded
                self.voided = voided
                self.conversionPercent = conversionPercent
                self.top = top
            }
        }

        /// One referrer and what the referrals came to.
        public struct Referrer: RPCObject {
            public var memberID: MemberID
            @Present public var name: String?
            public var referred: Int64
            public var rewarded: Int64
            public var voided: Int64
            public var points: Int64
            public init(memberID: MemberID, name: String?, referred: Int64, rewarded: Int64, voided: Int64, points: Int64) {
                self.memberID = memberID
                self.name = name
                self.referred = referred
                self.rewarded = rewarded
                self.voided = voided
                self.points = points
            }
        }
    }
}

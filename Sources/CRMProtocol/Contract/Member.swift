import CRMDomain

extension RPC {
    /// Members: looking them up, merging and unmerging them by hand, their history.
    public enum Member {
        public static let methods: [any RPCMethod.Type] = [Get.self, Find.self, Merge.self, Unmerge.self, History.self]
        static let reasonRule = FieldRule.text(maxLength: 500)
    }
}

extension RPC.Member {
    /// A member as `member.get`, `member.find` and `segment.preview` show it; personal fields are
    /// masked for roles that see them masked.
    public struct Profile: RPCObject {
        public var memberID: MemberID
        @Present public var name: String?
        @Present public var nickname: String?
        @Present public var phone: String?
        @Present public var email: String?
        @Present public var birthday: String?
        @Present public var gender: String?
        @Present public var region: String?
        @Present public var address: String?
        public var level: RPC.Level.Ref
        public var points: Points
        public var accounts: [Account]
        public var tags: [String]
        public var referral: Referral
        public var createdAt: String
        /// The earliest registration the shops sent (`null` when none did).
        @Present public var registeredAt: String?
        /// The id asked for, when it was merged into this member.
        public var mergedFrom: MemberID?

        public init(
            memberID: MemberID, name: String?, nickname: String?, phone: String?, email: String?, birthday: String?, gender: String?,
            region: String?, address: String?, level: RPC.Level.Ref, points: Points, accounts: [Account], tags: [String],
            referral: Referral, createdAt: String, registeredAt: String?, mergedFrom: MemberID?
        ) {
            self.memberID = memberID
            self.name = name
            self.nickname = nickname
            self.phone = phone
            self.email = email
            self.birthday = birthday
            self.gender = gender
            self.region = region
            self.address = address
            self.level = level
            self.points = points
            self.accounts = accounts
            self.tags = tags
            self.referral = referral
            self.createdAt = createdAt
            self.registeredAt = registeredAt
            self.mergedFrom = mergedFrom
        }

        /// The member's points at a glance.
        public struct Points: RPCObject {
            public var balance: Int64
            public var pending: Int64
            public init(balance: Int64, pending: Int64) {
                self.balance = balance
                self.pending = pending
            }
        }

        /// One shop account of the member.
        public struct Account: RPCObject {
            public var shop: String
            public var channel: String
            public var externalID: String
            public init(shop: String, channel: String, externalID: String) {
                self.shop = shop
                self.channel = channel
                self.externalID = externalID
            }
        }

        /// The member's own referral code and who referred the member.
        public struct Referral: RPCObject {
            @Present public var code: String?
            @Present public var referredBy: MemberID?
            public init(code: String?, referredBy: MemberID?) {
                self.code = code
                self.referredBy = referredBy
            }
        }
    }

    /// `member.get`: one member, by exactly one of id, shop account, phone or e-mail.
    public enum Get: RPCMethod {
        public static let name = "member.get"
        public static let summary = "One member, looked up by exactly one of member_id, shop+channel+external_id, phone or email."
        public typealias Result = Profile

        public struct Params: RPCObject {
            public var memberID: MemberID?
            public var shop: String?
            public var channel: String?
            public var externalID: String?
            public var phone: String?
            public var email: String?
            public static let fieldRules: [String: FieldRule] = [
                "shop": .text(maxLength: ShopCode.maxLength), "channel": .oneOf(["mobile", "web", "group_buy"], reason: .badChannel),
                "external_id": .text(maxLength: 128), "phone": .text(maxLength: 40), "email": .text(maxLength: 254),
            ]
            public init(
                memberID: MemberID? = nil, shop: String? = nil, channel: String? = nil, externalID: String? = nil, phone: String? = nil,
                email: String? = nil
            ) {
                self.memberID = memberID
                self.shop = shop
                self.channel = channel
                self.externalID = externalID
                self.phone = phone
                self.email = email
            }

            /// An account is named by its shop, channel and external id together.
            public func validate() throws(RPCError) {
                guard shop != nil || channel != nil || externalID != nil else { return }
                for (field, value) in [("shop", shop), ("channel", channel), ("external_id", externalID)] where value == nil {
                    throw .invalidParams("\(field) is required", field: field, reason: .missingField)
                }
            }
        }
    }

    /// `member.find`: members by a name fragment, a phone, an e-mail or a phone's last digits.
    public enum Find: RPCMethod {
        public static let name = "member.find"
        public static let summary = "Members matching a name fragment, phone, e-mail or a phone's last digits (masked roles: whole values only)."

        public struct Params: RPCObject {
            public var query: String
            public var cursor: String?
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = ["query": .text(maxLength: 100), "cursor": Page.cursorRule, "limit": Page.limitRule]
            public init(query: String, cursor: String? = nil, limit: Int? = nil) {
                self.query = query
                self.cursor = cursor
                self.limit = limit
            }

            /// The query as searched: without surrounding whitespace.
            public var trimmedQuery: String { query.trimmingWhitespace() }

            public func validate() throws(RPCError) {
                if trimmedQuery.isEmpty { throw .invalidParams("query must not be empty", field: "query", reason: .missingField) }
            }
        }

        public struct Result: RPCObject {
            public var members: [Profile]
            @Present public var nextCursor: String?
            public init(members: [Profile], nextCursor: String?) {
                self.members = members
                self.nextCursor = nextCursor
            }
        }
    }

    /// `member.merge`: merges two members by hand (the older survives; audited).
    public enum Merge: RPCMethod {
        public static let name = "member.merge"
        public static let summary = "Merges two members by hand; the older survives. Audited, undone by member.unmerge."

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var otherMemberID: MemberID
            public var reason: String
            public static let fieldRules: [String: FieldRule] = ["reason": reasonRule]
            public init(memberID: MemberID, otherMemberID: MemberID, reason: String) {
                self.memberID = memberID
                self.otherMemberID = otherMemberID
                self.reason = reason
            }
        }

        public struct Result: RPCObject {
            /// The surviving member.
            public var memberID: MemberID
            public var mergeID: Int64
            public init(memberID: MemberID, mergeID: Int64) {
                self.memberID = memberID
                self.mergeID = mergeID
            }
        }
    }

    /// `member.unmerge`: undoes a merge, named by its id or by the member merged away.
    public enum Unmerge: RPCMethod {
        public static let name = "member.unmerge"
        public static let summary = "Undoes a merge, given merge_id or member_id of the member that was merged away."

        public struct Params: RPCObject {
            public var mergeID: Int64?
            public var memberID: MemberID?
            public var reason: String
            public static let fieldRules: [String: FieldRule] = ["merge_id": .integer(1...Int64.max), "reason": reasonRule]
            public init(mergeID: Int64? = nil, memberID: MemberID? = nil, reason: String) {
                self.mergeID = mergeID
                self.memberID = memberID
                self.reason = reason
            }

            public func validate() throws(RPCError) {
                guard (mergeID == nil) != (memberID == nil) else {
                    throw .invalidParams("give merge_id, or member_id of the member that was merged away", reason: .oneLookup)
                }
            }
        }

        public struct Result: RPCObject {
            public var mergeID: Int64
            /// The member that survived the merge.
            public var memberID: MemberID
            /// The member separated from it again.
            public var restoredMemberID: MemberID
            public init(mergeID: Int64, memberID: MemberID, restoredMemberID: MemberID) {
                self.mergeID = mergeID
                self.memberID = memberID
                self.restoredMemberID = restoredMemberID
            }
        }
    }

    /// `member.history`: what happened to a member (accounts, merges, unmerges, referrals), newest first.
    public enum History: RPCMethod {
        public static let name = "member.history"
        public static let summary = "What happened to a member: accounts linked, merges, unmerges, decisions; a page at a time."

        public typealias Params = Page.MemberParams
        public typealias Result = RPC.MemberEntries<Entry>

        /// One event of the member's history; `detail` depends on the action.
        public struct Entry: RPCObject {
            public var at: String
            public var action: String
            public var actor: String
            public var detail: JSONValue
            public init(at: String, action: String, actor: String, detail: JSONValue) {
                self.at = at
                self.action = action
                self.actor = actor
                self.detail = detail
            }
        }
    }
}

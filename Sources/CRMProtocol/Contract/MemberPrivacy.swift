import CRMDomain

extension RPC {
    /// A member's rights over their personal data (docs/privacy.md): erasure on request and a copy
    /// on request. Both belong to the member group of the reference.
    public enum MemberPrivacy {
        public static let methods: [any RPCMethod.Type] = [Erase.self, Export.self]
        /// The `format` an export document carries.
        public static let exportFormat = "crm-member-export-1"
    }
}

extension RPC.MemberPrivacy {
    /// `member.erase`: destroys a member's personal data for good (admins only).
    public enum Erase: RPCMethod {
        public static let name = "member.erase"
        public static let summary =
            "Erases a member's personal data for good (keys destroyed, indexes blanked, accounts detached); the books stay. Admins only; audited."

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var reason: String
            public static let fieldRules: [String: FieldRule] = ["reason": .text(maxLength: 500, nonEmpty: true)]
            public init(memberID: MemberID, reason: String) {
                self.memberID = memberID
                self.reason = reason
            }
        }

        public struct Result: RPCObject {
            /// The member erased (the live member, when the id given was merged into it).
            public var memberID: MemberID
            public var erased: Bool
            public init(memberID: MemberID, erased: Bool) {
                self.memberID = memberID
                self.erased = erased
            }
        }
    }

    /// `member.export`: everything crmd holds about a member, as one document (audited).
    public enum Export: RPCMethod {
        public static let name = "member.export"
        public static let summary =
            "Everything held about a member as one JSON document: personal data (decrypted), accounts, orders, points, coupons, tags, consent. Audited."

        public typealias Params = RPC.MemberRef
        public typealias Result = Document
    }

    /// The export document. Lists longer than 1,000 entries are cut to the newest and say so (`Section`).
    public struct Document: RPCObject {
        /// `crm-member-export-1`.
        public var format: String
        public var memberID: MemberID
        /// Members merged into this one: their data is part of the document.
        public var mergedMembers: [MemberID]
        public var exportedAt: String
        /// True when the member was erased: personal fields are gone, the books remain.
        public var erased: Bool
        public var person: Person
        public var accounts: [Account]
        public var orders: Section
        public var refunds: Section
        public var points: Points
        public var level: RPC.Level.Ref
        public var coupons: Section
        public var referrals: Referrals
        public var tags: [String]
        public var consent: Consent
        public var notices: Section

        public init(
            format: String, memberID: MemberID, mergedMembers: [MemberID], exportedAt: String, erased: Bool, person: Person,
            accounts: [Account], orders: Section, refunds: Section, points: Points, level: RPC.Level.Ref, coupons: Section,
            referrals: Referrals, tags: [String], consent: Consent, notices: Section
        ) {
            self.format = format
            self.memberID = memberID
            self.mergedMembers = mergedMembers
            self.exportedAt = exportedAt
            self.erased = erased
            self.person = person
            self.accounts = accounts
            self.orders = orders
            self.refunds = refunds
            self.points = points
            self.level = level
            self.coupons = coupons
            self.referrals = referrals
            self.tags = tags
            self.consent = consent
            self.notices = notices
        }
    }

    /// The personal fields of a golden record or an account, decrypted.
    public struct Person: RPCObject {
        @Present public var name: String?
        @Present public var nickname: String?
        @Present public var phone: String?
        @Present public var email: String?
        @Present public var birthday: String?
        @Present public var gender: String?
        @Present public var region: String?
        @Present public var address: String?
        public init(
            name: String?, nickname: String?, phone: String?, email: String?, birthday: String?, gender: String?, region: String?,
            address: String?
        ) {
            self.name = name
            self.nickname = nickname
            self.phone = phone
            self.email = email
            self.birthday = birthday
            self.gender = gender
            self.region = region
            self.address = address
        }
    }

    /// One shop account: what the channel last said, and the member object exactly as it sent it.
    public struct Account: RPCObject {
        public var shop: String
        public var channel: String
        public var externalID: String
        public var person: Person
        /// Platform ids (`wechat_unionid`, …) as pushed; `{}` when none or erased.
        public var platformIDs: JSONValue
        public var attributes: JSONValue
        /// The member object as the channel last sent it (`null` when none or erased).
        public var raw: JSONValue
        @Present public var registeredAt: String?
        public var createdAt: String
        public init(
            shop: String, channel: String, externalID: String, person: Person, platformIDs: JSONValue, attributes: JSONValue, raw: JSONValue,
            registeredAt: String?, createdAt: String
        ) {
            self.shop = shop
            self.channel = channel
            self.externalID = externalID
            self.person = person
            self.platformIDs = platformIDs
            self.attributes = attributes
            self.raw = raw
            self.registeredAt = registeredAt
            self.createdAt = createdAt
        }
    }

    /// A list of a kind, newest first, cut at 1,000 entries: `total` counts them all and
    /// `truncated` says whether some were left out.
    public struct Section: RPCObject {
        public var items: [JSONValue]
        public var total: Int64
        public var truncated: Bool
        public init(items: [JSONValue], total: Int64, truncated: Bool) {
            self.items = items
            self.total = total
            self.truncated = truncated
        }
    }

    /// The member's points: balance, pending, and the ledger entries.
    public struct Points: RPCObject {
        public var balance: Int64
        public var pending: Int64
        public var entries: Section
        public init(balance: Int64, pending: Int64, entries: Section) {
            self.balance = balance
            self.pending = pending
            self.entries = entries
        }
    }

    /// The member's referral code, who referred them, whom they referred and the rewards paid.
    public struct Referrals: RPCObject {
        @Present public var code: String?
        @Present public var referredBy: MemberID?
        public var referred: Section
        public var rewards: Section
        public init(code: String?, referredBy: MemberID?, referred: Section, rewards: Section) {
            self.code = code
            self.referredBy = referredBy
            self.referred = referred
            self.rewards = rewards
        }
    }

    /// Marketing consent: the answers in force and every change of them.
    public struct Consent: RPCObject {
        public var channels: [RPC.Consent.Answer]
        public var history: Section
        public init(channels: [RPC.Consent.Answer], history: Section) {
            self.channels = channels
            self.history = history
        }
    }
}

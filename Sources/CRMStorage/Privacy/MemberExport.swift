import CRMJSON

/// Everything crmd holds about one member, as `MemberExporter` reads it for `member.export`
/// (docs/privacy.md, "Export"). Personal fields are decrypted; lists are newest first and cut at
/// `MemberExporter.sectionCap` entries, with their full count.
public struct MemberExport: Sendable {
    /// A shop account: its personal fields (`SealedProfile.fields` plus gender and region), and the
    /// platform ids, attributes and member object as pushed.
    public struct Account: Sendable {
        public var shop: String
        public var channel: String
        public var externalID: String
        public var fields: [String: String]
        public var platformIDs: JSONValue
        public var attributes: JSONValue
        public var raw: JSONValue
        public var registeredAt: String?
        public var createdAt: String
    }

    /// A list of entries of a kind (newest first, at most the cap) and how many there are in all.
    public struct Section: Sendable {
        public var items: [JSONValue]
        public var total: Int64
        public var truncated: Bool { total > Int64(items.count) }
    }

    public var member: Int64
    public var mergedMembers: [Int64]
    public var exportedAt: String
    public var erased: Bool
    /// The golden record's personal fields (name, nickname, phone, email, birthday, address, gender, region).
    public var person: [String: String]
    public var accounts: [Account]
    public var orders: Section
    public var refunds: Section
    public var balance: Int64
    public var pending: Int64
    /// The level held (nil: the ladder's first).
    public var levelCode: String?
    public var entries: Section
    public var coupons: Section
    public var referralCode: String?
    public var referredBy: Int64?
    public var referred: Section
    public var rewards: Section
    public var tags: [String]
    public var consent: [ConsentStore.Answer]
    public var consentHistory: Section
    public var notices: Section
}

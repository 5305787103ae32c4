/// One account's view of its person, as survivorship needs it.
public struct AccountView: Sendable, Equatable {
    public var channel: Channel
    /// When the channel last said this (the event's `occurred_at`), RFC 3339 text sorts correctly in UTC.
    public var updatedAt: String
    public var fields: [String: String]

    public init(channel: Channel, updatedAt: String, fields: [String: String]) {
        self.channel = channel
        self.updatedAt = updatedAt
        self.fields = fields
    }
}

/// The member's golden record: for each field, the value of the most trusted channel that has one,
/// and among equally trusted channels the most recent non-empty value.
public enum Survivorship {
    public static let fields = ["name", "nickname", "phone", "email", "birthday", "gender", "region", "address"]

    public static func golden(_ accounts: [AccountView], trust: [Channel]) -> [String: String] {
        let ordered = accounts.sorted { a, b in
            let ra = trust.firstIndex(of: a.channel) ?? trust.count
            let rb = trust.firstIndex(of: b.channel) ?? trust.count
            return ra != rb ? ra < rb : a.updatedAt > b.updatedAt
        }
        var golden: [String: String] = [:]
        for field in fields {
            if let value = ordered.lazy.compactMap({ $0.fields[field] }).first(where: { !$0.trimmingWhitespace().isEmpty }) {
                golden[field] = value
            }
        }
        return golden
    }
}

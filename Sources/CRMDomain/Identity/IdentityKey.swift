/// A deterministic identity key of an account: its kind (`phone`, `email`, or a platform id kind
/// such as `wechat_unionid`) and its normalised value. Accounts sharing a usable key are one person.
public struct IdentityKey: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var value: String

    public init(kind: String, value: String) {
        self.kind = kind
        self.value = value
    }

    public var description: String { "\(kind):\(value)" }

    /// The value as operators see it where only its blind index is kept (a guard that fired): phones
    /// and e-mails masked as everywhere, platform ids (`wechat_unionid` …) cut to their first three
    /// characters.
    public var masked: String {
        switch kind {
        case "phone": return Masking.phone(value)
        case "email": return Masking.email(value)
        default: return Masking.platformID(value)
        }
    }

    /// The keys of a profile, strongest first per `priority` (unknown kinds last, by name).
    public static func keys(of profile: MemberProfile, priority: [String]) -> [IdentityKey] {
        var keys: [IdentityKey] = []
        if let phone = profile.phoneKey { keys.append(IdentityKey(kind: "phone", value: phone)) }
        if let email = profile.emailKey { keys.append(IdentityKey(kind: "email", value: email)) }
        for (kind, value) in profile.platformIDs {
            let trimmed = value.trimmingWhitespace()
            if !trimmed.isEmpty { keys.append(IdentityKey(kind: kind, value: trimmed)) }
        }
        return keys.sorted { rank($0.kind, priority) < rank($1.kind, priority) || (rank($0.kind, priority) == rank($1.kind, priority) && $0.kind < $1.kind) }
    }

    /// Position of a kind in the priority list (lower is stronger).
    public static func rank(_ kind: String, _ priority: [String]) -> Int {
        priority.firstIndex(of: kind) ?? priority.count
    }
}

/// Values that look like keys but are not a person's: placeholders typed in for walk-in customers.
public enum PlaceholderKey {
    /// A phone whose last eight digits are one digit repeated (`13800000000`, `18888888888`) or a
    /// run like 12345678.
    public static func isPlaceholderPhone(_ e164: String) -> Bool {
        guard e164.hasPrefix("+86") else { return false }
        let national = Array(e164.dropFirst(3))
        guard national.count >= 8 else { return true }
        if Set(national.suffix(8)).count == 1 { return true }
        let ascending = "0123456789012345"
        let descending = "9876543210987654"
        let tail = String(national.suffix(8))
        return ascending.contains(tail) || descending.contains(tail)
    }
}

/// How personal data looks to roles that may not see it (the analyst): enough to recognise a
/// record, not enough to contact the person.
public enum Masking {
    /// `+8613800138000` → `138****8000`; other numbers keep their last four digits.
    public static func phone(_ e164: String) -> String {
        let digits = Array(e164.hasPrefix("+86") ? e164.dropFirst(3) : e164.dropFirst(e164.hasPrefix("+") ? 1 : 0))
        guard digits.count > 7 else { return String(repeating: "*", count: digits.count) }
        return String(digits.prefix(3)) + "****" + String(digits.suffix(4))
    }

    /// `xm@example.com` → `x***@example.com`.
    public static func email(_ address: String) -> String {
        guard let at = address.firstIndex(of: "@"), at != address.startIndex else { return "***" }
        return String(address[address.startIndex]) + "***" + String(address[at...])
    }

    /// `王小明` → `王**`.
    public static func name(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }

    /// `1990-05-17` → `1990-**-**`.
    public static func birthday(_ date: String) -> String { String(date.prefix(4)) + "-**-**" }

    /// `o6_abc123xyz` → `o6_***`: a platform id (WeChat unionid, Alipay user id) keeps its first
    /// three characters, which tell the platform's format but not the person.
    public static func platformID(_ id: String) -> String {
        id.count <= 6 ? "***" : String(id.prefix(3)) + "***"
    }

    /// An address keeps its first six characters (province and city, usually).
    public static func address(_ address: String) -> String {
        address.count <= 6 ? String(repeating: "*", count: address.count) : String(address.prefix(6)) + "****"
    }
}

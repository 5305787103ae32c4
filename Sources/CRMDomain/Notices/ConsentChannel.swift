/// A channel through which a member may be told something, and to which marketing consent is
/// given or refused (`marketing_consent.channel`).
public enum ConsentChannel: String, Sendable, CaseIterable {
    case sms
    case wechat
    case email
    case appPush = "app_push"
    case phone

    /// The wire words, in declaration order (the order `channels` lists them).
    public static let words: [String] = allCases.map(\.rawValue)
}

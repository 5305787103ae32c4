/// What one channel account says about its person: the `member` object of a `member.upsert`
/// event, validated. Personal fields are kept as sent; their normalised forms are derived.
public struct MemberProfile: Sendable, Equatable {
    public var externalID: String
    public var name: String?
    public var nickname: String?
    public var phone: String?
    public var email: String?
    /// `YYYY-MM-DD` after normalisation.
    public var birthday: String?
    public var gender: String?
    public var region: String?
    public var address: String?
    /// Platform identities by kind (`wechat_unionid` → `o6_bm…`).
    public var platformIDs: [String: String]
    public var registeredAt: String?
    public var referralCode: String?

    public init(
        externalID: String, name: String? = nil, nickname: String? = nil, phone: String? = nil, email: String? = nil,
        birthday: String? = nil, gender: String? = nil, region: String? = nil, address: String? = nil,
        platformIDs: [String: String] = [:], registeredAt: String? = nil, referralCode: String? = nil
    ) {
        self.externalID = externalID
        self.name = name
        self.nickname = nickname
        self.phone = phone
        self.email = email
        self.birthday = birthday
        self.gender = gender
        self.region = region
        self.address = address
        self.platformIDs = platformIDs
        self.registeredAt = registeredAt
        self.referralCode = referralCode
    }

    /// Normalised phone (E.164), or nil.
    public var phoneKey: String? { phone.flatMap { PhoneNumber.normalize($0) } }
    /// Normalised e-mail, or nil.
    public var emailKey: String? { email.flatMap { EmailAddress.normalize($0) } }
    /// Normalised name, or nil when empty.
    public var nameKey: String? { name.map(TextKey.normalize).flatMap { $0.isEmpty ? nil : $0 } }
}

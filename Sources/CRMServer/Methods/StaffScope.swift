/// How a method stands to a token limited to shops (`token.create` with `shops`): every method
/// says it where it is registered, so a method cannot be added without deciding.
public enum StaffScope: Sendable, Equatable {
    /// Nothing of the base at all (`session.hello`, `server.health`): any session.
    case everyone
    /// Takes a member in these params: allowed only when the member (the live one after merges)
    /// has an account in one of the token's shops. The first param must be given: without it the
    /// call reaches beyond one member (`coupon.issue` to a segment) and is refused. Checked before
    /// the handler runs, so a refused call changes nothing.
    case member([String])
    /// Finds its member itself (by phone, by account, by coupon code): the handler checks the
    /// member it found with `ShopScopeGate` before it shows or changes anything.
    case memberFound
    /// Takes a shop in this param: only the token's shops.
    case shop(String)
    /// Over the whole base, and its handler keeps only what belongs to the token's shops
    /// (`member.find`, `shop.list`).
    case narrowed
    /// Over the whole base (configuration, rules, reports, segments, jobs, tokens): refused.
    case merchantWide

    /// A member in `member_id`, the usual name.
    public static let memberID = StaffScope.member(["member_id"])
}

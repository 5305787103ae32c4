import CRMDomain

/// The wire contract: every method crmd answers, as types (`RPC.Points.Redeem`), grouped by the
/// part of the product they belong to. crmd registers a handler for each, the clients call them
/// by type, and `OpenRPCDocument` describes them.
public enum RPC {
    /// The version of crmd and its clients, as `session.hello` and `--version` tell it.
    public static let productVersion = "0.1.0"
    /// The method that answers the OpenRPC document (the OpenRPC convention's name).
    public static let discoverMethod = "rpc.discover"

    /// Every method of the contract, in the order the reference documents them.
    public static let methods: [any RPCMethod.Type] =
        Session.methods
        + Server.methods
        + Shop.methods
        + Token.methods
        + Sync.methods
        + Member.methods + MemberPrivacy.methods
        + Review.methods
        + Identity.methods
        + Points.methods + Ledger.methods
        + Level.methods
        + Benefit.methods
        + Referral.methods
        + Coupon.methods
        + Tag.methods
        + Segment.methods
        + Report.methods
        + Config.methods
        + Notice.methods + Consent.methods
        + CouponRules.methods + CouponExchange.methods
        + Campaign.methods
        + CampaignJobs.methods
        + CampaignReport.methods
        + Audit.methods
}

/// A page of a list: where to go on from (`cursor`, from the previous page's `next_cursor`) and
/// how many to return (`limit`, 1–1,000, default 100).
public enum Page {
    public static let limitRule = FieldRule.integer(1...Int64(PageCursor.maxLimit))
    public static let cursorRule = FieldRule.text(maxLength: 1_000)
}

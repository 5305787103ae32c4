/// Who a session is, as granted by its token (the contract's four roles).
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Everything, including tokens and configuration.
    case admin
    /// Members, points, levels, tags, segments.
    case `operator`
    /// Read-only, with personal data masked.
    case analyst
    /// Pushes events for the one shop its token is bound to, nothing else.
    case agent

    /// Whether this role may call a method that needs `access`.
    public func may(_ access: Access) -> Bool {
        switch (self, access) {
        case (_, .open), (_, .session): return true
        case (.admin, _): return true
        case (.operator, .read), (.operator, .write): return true
        case (.analyst, .read): return true
        case (.agent, .push): return true
        case (.operator, .checkout), (.agent, .checkout): return true
        default: return false
        }
    }

    /// Whether tokens of this role are bound to a shop (exactly the agents').
    public var isShopBound: Bool { self == .agent }

    /// Whether tokens of this role may be limited to shops (a franchise store's staff): operators
    /// and analysts. Agents have their one shop; admins see everything.
    public var mayBeShopScoped: Bool { self == .operator || self == .analyst }

    /// What is wrong with giving a token of this role `shop`, if anything: agents need one, others take none.
    public func shopProblem(_ shop: String?) -> String? {
        if isShopBound, shop == nil { return "an agent token must name its shop" }
        if !isShopBound, shop != nil { return "only agent tokens are bound to a shop" }
        return nil
    }
}

/// What a method needs of the calling session.
public enum Access: String, Sendable {
    /// No session needed (`server.health`, `session.hello`).
    case open
    /// Any authenticated session.
    case session
    /// Reading members and reports.
    case read
    /// Changing members, points, tags, segments.
    case write
    /// Pushing a shop's events.
    case push
    /// What a shop's till does at a sale (`coupon.redeem`): agents for their own shop, operators.
    case checkout
    /// Tokens, shops, configuration.
    case admin
}

import CRMDomain
import CRMProtocol
import CRMStorage

/// Holds a token limited to shops to its shops, as each method's `StaffScope` says.
enum ShopScopeGate {
    /// The refusal: `-32003 outside_shops`.
    static func refusal(_ identity: TokenIdentity, _ what: String) -> RPCError {
        .forbidden("this token is limited to shops \(identity.shops.joined(separator: ", ")); \(what)", reason: .outsideShops)
    }

    /// Checks a call before its handler runs. Params that do not read as the scope expects are left
    /// to the handler, which refuses them as invalid.
    static func admit(_ spec: MethodSpec, params: Params, session: Session?, context: ServerContext) async throws(RPCError) {
        guard let identity = session?.identity, identity.isShopScoped else { return }
        switch spec.scope {
        case .everyone, .memberFound, .narrowed:
            return
        case .merchantWide:
            throw refusal(identity, "\(spec.name) covers the whole base")
        case .shop(let name):
            guard case .string(let shop)? = params.object[name] else { throw refusal(identity, "\(spec.name) needs \(name)") }
            guard identity.shops.contains(shop) else { throw refusal(identity, "shop \(ClientText.excerpt(shop)) is not one of them") }
        case .member(let names):
            guard let first = names.first, params.object[first] != nil else {
                throw refusal(identity, "\(spec.name) without \(names.first ?? "a member") covers the whole base")
            }
            var ids: [Int64] = []
            for name in names {
                guard let value = params.object[name] else { continue }
                guard let id = try? MemberID.read(value, path: name) else { return }
                ids.append(id.value)
            }
            try await require(members: ids, identity: identity, context: context)
        }
    }

    /// Refuses unless each member (the live one after merges) has an account in the token's shops;
    /// an unknown member is left to the method, which answers it as for anyone.
    static func require(members: [Int64], identity: TokenIdentity?, context: ServerContext) async throws(RPCError) {
        guard let identity, identity.isShopScoped else { return }
        let standing: ShopScope.Standing
        do {
            standing = try await context.shopScope.standing(of: members, shops: identity.shops)
        } catch {
            throw RPCError.from(error)
        }
        if case .outside(let id) = standing { throw refusal(identity, "member \(id) has no account in them") }
    }

    /// Refuses unless one of `shops` (a member's accounts' shops) is one of the token's.
    static func require(accountShops shops: [String], member: Int64, identity: TokenIdentity?) throws(RPCError) {
        guard !allows(accountShops: shops, identity: identity), let identity else { return }
        throw refusal(identity, "member \(member) has no account in them")
    }

    /// Whether `identity` may see a member whose accounts are in `shops`.
    static func allows(accountShops shops: [String], identity: TokenIdentity?) -> Bool {
        guard let identity, identity.isShopScoped else { return true }
        return shops.contains(where: identity.shops.contains)
    }
}

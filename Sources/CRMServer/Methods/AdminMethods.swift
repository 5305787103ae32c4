import CRMDomain
import CRMProtocol
import CRMStorage

/// Shops and tokens: `shop.create`, `shop.list`, `token.create`, `token.list`, `token.revoke`.
enum AdminMethods {
    typealias Shop = RPC.Shop
    typealias Token = RPC.Token

    static func render(_ shop: ShopRecord) -> Shop.Record {
        Shop.Record(code: shop.code, name: shop.name, createdAt: shop.createdAt)
    }

    static func render(_ token: TokenRecord) -> Token.Record {
        Token.Record(
            id: token.id, name: token.name, role: token.role.rawValue, shop: token.shop, createdAt: token.createdAt,
            revokedAt: token.revokedAt, lastUsedAt: token.lastUsedAt, shops: token.shops.isEmpty ? nil : token.shops)
    }

    /// A display name as given, or `fallback`; trimmed and checked.
    static func displayName(_ text: String?, or fallback: String) throws(RPCError) -> String {
        guard let name = DisplayName.validate(text ?? fallback) else {
            throw .invalidParams("name must be 1-\(DisplayName.maxLength) printable characters", field: "name", reason: .badName)
        }
        return name
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        shopSpecs(context) + tokenSpecs(context)
    }

    static func shopSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Shop.Create.self, access: .admin, scope: .merchantWide) { p, call in
                guard let code = ShopCode(p.code) else {
                    throw RPCError.invalidParams(
                        "code must be 1-32 lower-case letters, digits, '-' or '_', starting with a letter or digit", field: "code",
                        reason: .badShopCode)
                }
                let name = try displayName(p.name, or: p.code)
                return render(try await context.shops.create(code: code, name: name, actorTokenID: call.session?.identity.tokenID))
            },
            MethodSpec(Shop.List.self, access: .read, scope: .narrowed) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let shops = try await context.shops.list(afterCode: paging.afterKey, limit: paging.fetchLimit)
                // A token limited to shops lists only those.
                let scope = Set(call.session?.identity.shops ?? [])
                let page = paging.page(of: shops, key: \.code, keep: { scope.isEmpty || scope.contains($0.code) }, map: render)
                return Shop.List.Result(shops: page.items, nextCursor: page.next)
            },
        ]
    }

    static func tokenSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Token.Create.self, access: .admin, scope: .merchantWide) { p, call in
                // The role is one of the words its field rule allows.
                guard let role = Role(rawValue: p.role) else { preconditionFailure("token.create let role \(p.role) through") }
                let name = try displayName(p.name, or: "\(role.rawValue) token")
                let (record, token) = try await context.tokens.create(
                    role: role, shop: p.shop, shops: p.shops.map { Array(Set($0)).sorted() } ?? [], name: name, actorTokenID: call.session?.identity.tokenID)
                return Token.Create.Result(render(record), token: token)
            },
            MethodSpec(Token.List.self, access: .admin, scope: .merchantWide) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let tokens = try await context.tokens.list(afterID: try paging.afterID(), limit: paging.fetchLimit, includeRevoked: p.includeRevoked ?? true)
                let page = paging.page(of: tokens, key: { String($0.id) }, map: render)
                return Token.List.Result(tokens: page.items, nextCursor: page.next)
            },
            MethodSpec(Token.Revoke.self, access: .admin, scope: .merchantWide) { p, call in
                let record = try await context.tokens.revoke(id: p.id, actorTokenID: call.session?.identity.tokenID)
                context.revokedTokens.withLockedValue { _ = $0.insert(p.id) }
                context.logger.notice("token revoked", metadata: ["request": "\(call.requestID)", "token": "\(p.id)"])
                return render(record)
            },
        ]
    }
}

import CRMDomain
import CRMProtocol
import CRMStorage

/// Shops and tokens: `shop.create`, `shop.list`, `token.create`, `token.list`, `token.revoke`.
enum AdminMethods {
    static func render(_ shop: ShopRecord) -> JSONValue {
        ["code": .string(shop.code), "name": .string(shop.name), "created_at": .string(shop.createdAt)]
    }

    static func render(_ token: TokenRecord) -> JSONValue {
        [
            "id": .int(token.id), "name": .string(token.name), "role": .string(token.role.rawValue),
            "shop": token.shop.map(JSONValue.string) ?? .null, "created_at": .string(token.createdAt),
            "revoked_at": token.revokedAt.map(JSONValue.string) ?? .null,
            "last_used_at": token.lastUsedAt.map(JSONValue.string) ?? .null,
        ]
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("shop.create", access: .admin) { call in
                try call.params.allowOnly(["code", "name"])
                let codeText = try call.params.string("code", maxLength: 100)
                guard let code = ShopCode(codeText) else {
                    throw RPCError.invalidParams("code must be 1-32 lower-case letters, digits, '-' or '_', starting with a letter or digit", field: "code", reason: "bad_shop_code")
                }
                let nameText = try call.params.optionalString("name", maxLength: DisplayName.maxLength) ?? codeText
                guard let name = DisplayName.validate(nameText) else {
                    throw RPCError.invalidParams("name must be 1-\(DisplayName.maxLength) printable characters", field: "name", reason: "bad_name")
                }
                let shop = try await context.shops.create(code: code, name: name, actorTokenID: call.session?.identity.tokenID)
                return render(shop)
            },
            MethodSpec("shop.list", access: .read) { call in
                try call.params.allowOnly(["cursor", "limit"])
                let paging = try Paging(call.params)
                let shops = try await context.shops.list(afterCode: paging.afterKey, limit: paging.fetchLimit)
                let page = paging.page(shops, key: \.code, render: render)
                return ["shops": page.items, "next_cursor": page.next]
            },
            MethodSpec("token.create", access: .admin) { call in
                try call.params.allowOnly(["role", "shop", "name"])
                let roleText = try call.params.string("role", maxLength: 20)
                guard let role = Role(rawValue: roleText) else {
                    throw RPCError.invalidParams("role must be one of admin, operator, analyst, agent", field: "role", reason: "bad_role")
                }
                let shop = try call.params.optionalString("shop", maxLength: ShopCode.maxLength)
                if let problem = role.shopProblem(shop) {
                    throw RPCError.invalidParams(problem, field: "shop", reason: shop == nil ? "missing_field" : "unexpected_field")
                }
                let nameText = try call.params.optionalString("name", maxLength: DisplayName.maxLength) ?? "\(role.rawValue) token"
                guard let name = DisplayName.validate(nameText) else {
                    throw RPCError.invalidParams("name must be 1-\(DisplayName.maxLength) printable characters", field: "name", reason: "bad_name")
                }
                let (record, token) = try await context.tokens.create(role: role, shop: shop, name: name, actorTokenID: call.session?.identity.tokenID)
                guard case .object(var object) = render(record) else { preconditionFailure("a token renders as an object") }
                object["token"] = .string(token)
                return .object(object)
            },
            MethodSpec("token.list", access: .admin) { call in
                try call.params.allowOnly(["cursor", "limit", "include_revoked"])
                let paging = try Paging(call.params)
                var after: Int64? = nil
                if let key = paging.afterKey {
                    guard let id = Int64(key) else {
                        throw RPCError.invalidParams("cursor is not one this server issued", field: "cursor", reason: "bad_cursor")
                    }
                    after = id
                }
                let includeRevoked = try call.params.optionalBool("include_revoked") ?? true
                let tokens = try await context.tokens.list(afterID: after, limit: paging.fetchLimit, includeRevoked: includeRevoked)
                let page = paging.page(tokens, key: { String($0.id) }, render: render)
                return ["tokens": page.items, "next_cursor": page.next]
            },
            MethodSpec("token.revoke", access: .admin) { call in
                try call.params.allowOnly(["id"])
                let id = try call.params.int("id", in: 1...Int64.max)
                let record = try await context.tokens.revoke(id: id, actorTokenID: call.session?.identity.tokenID)
                context.revokedTokens.withLockedValue { _ = $0.insert(id) }
                context.logger.notice("token revoked", metadata: ["request": "\(call.requestID)", "token": "\(id)"])
                return render(record)
            },
        ]
    }
}

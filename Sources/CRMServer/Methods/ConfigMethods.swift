import CRMDomain
import CRMProtocol

/// Merchant settings: `config.get` (read) and `config.set` (admin): `identity`, `points`,
/// `segments` and `tags` (the level ladder has its own `level.rules.*`).
enum ConfigMethods {
    static let names: Set<String> = ["identity", "points", "segments", "tags"]

    static func render(_ name: String, _ context: ServerContext) async throws -> JSONValue {
        switch name {
        case "points": return LoyaltySettingsJSON.render(try await context.loyaltyPolicy().points)
        case "segments": return SegmentSettingsJSON.render(try await context.segmentSettings())
        case "tags":
            guard let text = try await context.settings.get("tags") else { return SegmentSettingsJSON.renderTags(AttributeTagSettings()) }
            return SegmentSettingsJSON.renderTags(try SegmentSettingsJSON.parseTags(try JSONParser.parse(text)))
        default: return IdentityPolicyJSON.render(try await context.identityPolicy())
        }
    }

    static func parse(_ name: String, _ value: JSONValue) throws(RPCError) -> JSONValue {
        switch name {
        case "points": return LoyaltySettingsJSON.render(try LoyaltySettingsJSON.parsePoints(value))
        case "segments": return SegmentSettingsJSON.render(try SegmentSettingsJSON.parse(value))
        case "tags": return SegmentSettingsJSON.renderTags(try SegmentSettingsJSON.parseTags(value))
        default: return IdentityPolicyJSON.render(try IdentityPolicyJSON.parse(value))
        }
    }

    /// Refuses a name that is not one of the settings.
    static func check(_ name: String) throws(RPCError) {
        guard names.contains(name) else { throw .notFound("no setting named \(name)", reason: .settingNotFound) }
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(RPC.Config.Get.self, access: .read, scope: .merchantWide) { p, call in
                try check(p.name)
                return RPC.Config.Setting(name: p.name, value: try await render(p.name, context))
            },
            MethodSpec(RPC.Config.Set.self, access: .admin, scope: .merchantWide) { p, call in
                try check(p.name)
                let rendered = try parse(p.name, p.value)
                try await context.settings.set(p.name, json: JSONSerializer.serialize(rendered), actorTokenID: call.session?.identity.tokenID)
                context.logger.notice("setting changed", metadata: ["request": "\(call.requestID)", "setting": "\(p.name)"])
                return RPC.Config.Setting(name: p.name, value: rendered)
            },
        ]
    }
}

extension ServerContext {
    /// The identity policy in force (stored setting, or the defaults).
    func identityPolicy() async throws -> IdentityPolicy {
        guard let text = try await settings.get("identity") else { return IdentityPolicy() }
        do {
            return try IdentityPolicyJSON.parse(try JSONParser.parse(text))
        } catch {
            preconditionFailure("the stored identity setting no longer parses: \(error)")
        }
    }
}

extension ServerContext {
    /// The points settings and level ladder in force (stored settings, or the defaults).
    func loyaltyPolicy() async throws -> LoyaltyPolicy {
        let stored = try await settings.getMany(["points", "levels"])
        var loyalty = LoyaltyPolicy()
        do {
            if let text = stored["points"] { loyalty.points = try LoyaltySettingsJSON.parsePoints(try JSONParser.parse(text)) }
            if let text = stored["levels"] { loyalty.ladder = try LoyaltySettingsJSON.parseLadder(try JSONParser.parse(text)) }
        } catch {
            preconditionFailure("a stored loyalty setting no longer parses: \(error)")
        }
        return loyalty
    }
}

extension CallContext {
    /// Who is acting, for audit records: `token:<id>`.
    var actor: String { session.map { "token:\($0.identity.tokenID)" } ?? "anonymous" }
}

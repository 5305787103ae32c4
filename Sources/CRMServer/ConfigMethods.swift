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

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("config.get", access: .read) { call in
                try call.params.allowOnly(["name"])
                let name = try call.params.string("name", maxLength: 64)
                guard names.contains(name) else { throw RPCError.notFound("no setting named \(name)", reason: "setting_not_found") }
                return ["name": .string(name), "value": try await render(name, context)]
            },
            MethodSpec("config.set", access: .admin) { call in
                try call.params.allowOnly(["name", "value"])
                let name = try call.params.string("name", maxLength: 64)
                guard names.contains(name) else { throw RPCError.notFound("no setting named \(name)", reason: "setting_not_found") }
                guard let value = call.params.object["value"] else { throw RPCError.invalidParams("value is required", field: "value", reason: "missing_field") }
                let rendered = try parse(name, value)
                try await context.settings.set(name, json: JSONSerializer.serialize(rendered), actorTokenID: call.session?.identity.tokenID)
                context.logger.notice("setting changed", metadata: ["request": "\(call.requestID)", "setting": "\(name)"])
                return ["name": .string(name), "value": rendered]
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

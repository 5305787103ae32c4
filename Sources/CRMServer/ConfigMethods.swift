import CRMDomain
import CRMProtocol

/// Merchant settings: `config.get` (read) and `config.set` (admin). Today: `identity`.
enum ConfigMethods {
    static let names: Set<String> = ["identity"]

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("config.get", access: .read) { call in
                try call.params.allowOnly(["name"])
                let name = try call.params.string("name", maxLength: 64)
                guard names.contains(name) else { throw RPCError.notFound("no setting named \(name)", reason: "setting_not_found") }
                return ["name": .string(name), "value": IdentityPolicyJSON.render(try await context.identityPolicy())]
            },
            MethodSpec("config.set", access: .admin) { call in
                try call.params.allowOnly(["name", "value"])
                let name = try call.params.string("name", maxLength: 64)
                guard names.contains(name) else { throw RPCError.notFound("no setting named \(name)", reason: "setting_not_found") }
                guard let value = call.params.object["value"] else { throw RPCError.invalidParams("value is required", field: "value", reason: "missing_field") }
                let policy = try IdentityPolicyJSON.parse(value)
                let rendered = IdentityPolicyJSON.render(policy)
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

extension CallContext {
    /// Who is acting, for audit records: `token:<id>`.
    var actor: String { session.map { "token:\($0.identity.tokenID)" } ?? "anonymous" }
}

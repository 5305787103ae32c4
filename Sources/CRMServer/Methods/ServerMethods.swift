import CRMDomain
import CRMProtocol

/// `server.health` (no session needed) and `server.stats`.
enum ServerMethods {
    typealias Health = RPC.Server.Health

    /// The two answers of `server.health`, encoded once: load balancers ask it often.
    static let healthReplies: (up: JSONValue, down: JSONValue) = {
        func reply(_ up: Bool) -> JSONValue {
            let result = Health.Result(status: up ? "ok" : "degraded", database: up ? "ok" : "down", version: ServerContext.version)
            do {
                return try JSONValueEncoder().encode(result)
            } catch {
                preconditionFailure("server.health's result does not encode: \(error)")
            }
        }
        return (reply(true), reply(false))
    }()

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Health.name, access: .open, scope: .everyone) { call in
                if call.params.object.count > 0 { _ = try JSONValueDecoder().decode(Health.Params.self, from: .object(call.params.object)) }
                let up = await context.health.isUp()
                guard let replicaHealth = context.replicaHealth else { return up ? healthReplies.up : healthReplies.down }
                var result = Health.Result(status: up ? "ok" : "degraded", database: up ? "ok" : "down", version: ServerContext.version)
                result.replica = await replicaHealth.isUp() ? "ok" : "down"
                return try JSONValueEncoder().encode(result)
            },
            MethodSpec(RPC.Server.Stats.self, access: .read, scope: .merchantWide) { _, _ in
                let up = await context.health.isUp()
                return context.metrics.stats(
                    version: ServerContext.version, pool: context.pool.statistics, databaseUp: up, replica: await context.replicaState())
            },
        ]
    }
}

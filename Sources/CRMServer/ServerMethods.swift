import CRMDomain
import CRMProtocol

/// `server.health` (no session needed) and `server.stats`.
enum ServerMethods {
    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("server.health", access: .open) { call in
                try call.params.allowOnly([])
                let up = await context.health.isUp()
                return ["status": up ? "ok" : "degraded", "database": up ? "ok" : "down", "version": .string(ServerContext.version)]
            },
            MethodSpec("server.stats", access: .read) { call in
                try call.params.allowOnly([])
                let up = await context.health.isUp()
                return context.metrics.statsJSON(version: ServerContext.version, pool: context.pool.statistics, databaseUp: up)
            },
        ]
    }
}

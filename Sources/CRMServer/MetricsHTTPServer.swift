import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A small HTTP listener for operators' tooling: `GET /metrics` (Prometheus text) and
/// `GET /healthz` (200 when the database answers, 503 otherwise, for load balancers).
public final class MetricsHTTPServer: Service, Sendable {
    let context: ServerContext
    let host: String
    let port: Int
    let group: any EventLoopGroup

    public init(context: ServerContext, host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.context = context
        self.host = host
        self.port = port
        self.group = group
    }

    public func run() async throws {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        context.logger.info("metrics listening", metadata: ["address": "\(server.channel.localAddress.map { "\($0)" } ?? "?")"])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead? = nil
            for try await part in inbound {
                switch part {
                case .head(let h): head = h
                case .body: continue
                case .end:
                    guard let request = head else { return }
                    let (status, body) = await respond(to: request)
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
                    headers.add(name: "Content-Length", value: String(body.utf8.count))
                    headers.add(name: "Connection", value: "close")
                    try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }

    private func respond(to request: HTTPRequestHead) async -> (HTTPResponseStatus, String) {
        guard request.method == .GET else { return (.methodNotAllowed, "only GET\n") }
        switch request.uri.split(separator: "?").first.map(String.init) ?? "" {
        case "/metrics":
            let up = await context.health.isUp()
            return (.ok, context.metrics.prometheusText(pool: context.pool.statistics, databaseUp: up))
        case "/healthz":
            let up = await context.health.isUp()
            return up ? (.ok, "ok\n") : (.serviceUnavailable, "database down\n")
        default:
            return (.notFound, "not found: try /metrics or /healthz\n")
        }
    }
}

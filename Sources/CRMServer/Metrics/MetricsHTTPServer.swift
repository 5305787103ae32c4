import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A small HTTP listener for operators' tooling: `GET /metrics` (Prometheus text) and
/// `GET /healthz` (200 when the database answers, 503 otherwise, for load balancers). It has its own
/// small connection cap and idle timeout, so idle scrapers cannot take the descriptors the JSON-RPC
/// port needs: a connection past the cap is closed at once, a silent one after the timeout.
public final class MetricsHTTPServer: Service, Sendable {
    let context: ServerContext
    let host: String
    let port: Int
    let group: any EventLoopGroup
    private let openConnections = NIOLockedValueBox(0)
    private let bound = AsyncStreamBox()

    public init(context: ServerContext, host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.context = context
        self.host = host
        self.port = port
        self.group = group
    }

    /// Returns once the listener is bound, so that a caller (the tests) can connect at once.
    public func waitUntilBound() async { await bound.wait() }

    public func run() async throws {
        let configuration = context.configuration
        let logger = context.logger
        let metrics = context.metrics
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let idle = TimeAmount.seconds(Int64(configuration.metricsIdleTimeoutSeconds))
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idle))
                    try channel.pipeline.syncOperations.addHandler(IdleCloseHandler(logger: logger, countClose: metrics.countMetricsIdleClose))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        context.logger.info("metrics listening", metadata: ["address": "\(server.channel.localAddress.map { "\($0)" } ?? "?")"])
        bound.signal()
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        guard admit() else {
                            metrics.countMetricsRefused()
                            logger.warning("metrics connection limit reached; closing", metadata: ["limit": "\(configuration.metricsMaxConnections)"])
                            try? await connection.channel.close()
                            continue
                        }
                        group.addTask {
                            await self.serve(connection)
                            self.openConnections.withLockedValue { $0 -= 1 }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
    }

    /// Counts a new connection if the cap allows it.
    private func admit() -> Bool {
        openConnections.withLockedValue { open in
            guard open < context.configuration.metricsMaxConnections else { return false }
            open += 1
            return true
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
            return (.ok, context.metrics.exposition(pool: context.pool.statistics, databaseUp: up, replica: await context.replicaState()))
        case "/healthz":
            let up = await context.health.isUp()
            return up ? (.ok, "ok\n") : (.serviceUnavailable, "database down\n")
        default:
            return (.notFound, "not found: try /metrics or /healthz\n")
        }
    }
}

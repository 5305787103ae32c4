import CRMProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The JSON-RPC listener, run as a swift-service-lifecycle `Service` (as hummingbird 2 runs its
/// server). Each connection is read line by line by its own task; requests run in order and their
/// replies go back in order. Reading pauses when `maxInFlightPerConnection` lines wait (back-pressure
/// through the async channel's watermarks), so a client that floods or stops reading only slows
/// itself. The limits that keep clients without a token from stopping the server (admission, the
/// hello and message deadlines, the memory budget) live in their own types, wired in here. On
/// graceful shutdown it stops accepting, lets each connection finish the request it is running and
/// send its reply, then closes.
public final class RPCServer: Service, Sendable {
    public let context: ServerContext
    let dispatcher: Dispatcher
    let group: any EventLoopGroup
    let sslContext: NIOSSLContext?
    private let boundAddress = NIOLockedValueBox<SocketAddress?>(nil)
    private let bound = AsyncStreamBox()
    private let connectionCounter = NIOLockedValueBox(0)
    let admission: ConnectionAdmission

    public init(context: ServerContext, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.context = context
        self.group = group
        let registry = MethodRegistry(
            SessionMethods.specs(context) + ServerMethods.specs(context) + AdminMethods.specs(context)
                + SyncMethods.specs(context) + MemberMethods.specs(context) + MemberPrivacyMethods.specs(context) + ConfigMethods.specs(context)
                + PointsMethods.specs(context) + LedgerMethods.specs(context) + LevelMethods.specs(context) + BenefitMethods.specs(context)
                + ReferralMethods.specs(context)
                + CouponMethods.specs(context)
                + TagMethods.specs(context) + SegmentMethods.specs(context) + ReportMethods.specs(context)
                + NoticeMethods.specs(context)
                + CouponFlowMethods.specs(context)
                + CampaignMethods.specs(context)
                + CampaignJobMethods.specs(context)
                + CampaignReportMethods.specs(context)
                + AuditMethods.specs(context)
                + IdentityMethods.specs(context)
        )
        let configuration = context.configuration
        context.metricsBox.withLockedValue {
            $0 = ServerMetrics(
                knownMethods: registry.names.union(["(invalid)"]), maxConnections: configuration.maxConnections,
                maxBufferedBytes: configuration.maxBufferedBytes, hasReplica: context.replica != nil)
        }
        self.admission = ConnectionAdmission(
            limits: .init(
                total: configuration.maxConnections, perAddress: configuration.maxConnectionsPerAddress,
                unauthenticated: configuration.maxUnauthenticatedConnections))
        self.dispatcher = Dispatcher(registry: registry, context: context)
        if let cert = context.configuration.tlsCertificatePath, let key = context.configuration.tlsKeyPath {
            let chain = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            self.sslContext = try NIOSSLContext(configuration: configuration)
        } else {
            self.sslContext = nil
        }
    }

    /// Every method this server answers (docs/protocol.md is checked against it).
    public var methodNames: Set<String> { dispatcher.registry.names }
    /// Every method with its access and staff scope (the tests walk them).
    public var methodSpecs: [MethodSpec] { dispatcher.registry.specs }

    /// The address the listener is bound to, once it is (port 0 picks a free port).
    public func waitUntilBound() async -> SocketAddress {
        await bound.wait()
        return boundAddress.withLockedValue { $0! }
    }

    public func run() async throws {
        let configuration = context.configuration
        let logger = context.logger
        let metrics = context.metrics
        let sslContext = self.sslContext
        let watermarks = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(
            lowWatermark: max(1, configuration.maxInFlightPerConnection / 2),
            highWatermark: configuration.maxInFlightPerConnection
        )
        let pending = AcceptedConnections()
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Set here rather than as a child option: a failing option must cost one connection, not the listener.
                    do {
                        try channel.syncOptions?.setOption(.tcpOption(.tcp_nodelay), value: 1)
                    } catch {
                        logger.warning("could not turn off Nagle's algorithm for a connection", metadata: ["error": "\(error)"])
                    }
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    // Set while the dispatcher runs one of the connection's requests: idle then means
                    // waiting for the database, not a client gone quiet.
                    let dispatching = NIOLockedValueBox(false)
                    try pipeline.addHandler(IdleStateHandler(allTimeout: .seconds(Int64(configuration.idleTimeoutSeconds))))
                    try pipeline.addHandler(
                        IdleCloseHandler(logger: logger, countClose: metrics.countIdleClose, isBusy: { dispatching.withLockedValue { $0 } }))
                    try pipeline.addHandler(MessageDeadlineHandler(timeoutSeconds: configuration.messageTimeoutSeconds, metrics: metrics, logger: logger))
                    try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: configuration.maxLineBytes)))
                    let account = BudgetAccount(budget: metrics.budget)
                    try pipeline.addHandler(BufferBudgetHandler(account: account, logger: logger))
                    let wrapped = try NIOAsyncChannel<LineFrame, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: watermarks, isOutboundHalfClosureEnabled: true)
                    )
                    let accepted = AcceptedConnection(channel: wrapped, budget: account, dispatching: dispatching)
                    if !pending.arrived(accepted) { Task { await AcceptedConnections.closeUnserved(accepted) } }
                    return accepted
                }
            }
        let address = server.channel.localAddress
        boundAddress.withLockedValue { $0 = address }
        bound.signal()
        logger.info("listening", metadata: ["address": "\(address.map { "\($0)" } ?? "?")", "tls": "\(sslContext != nil)"])

        let shutdown = ShutdownFlag()
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                // However the accept loop ends, what the listener still hands over is closed.
                defer {
                    for unserved in pending.close() {
                        group.addTask { await AcceptedConnections.closeUnserved(unserved) }
                    }
                }
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        pending.taken(connection)
                        let id = connectionCounter.withLockedValue {
                            $0 += 1; return $0
                        }
                        group.addTask {
                            await self.serve(connection, id: id, shutdown: shutdown)
                        }
                    }
                }
                logger.info("stopped accepting connections; finishing requests in flight")
            }
        } onGracefulShutdown: {
            shutdown.begin()
            server.channel.close(promise: nil)
        }
        logger.info("all connections closed")
    }

    private func serve(_ accepted: AcceptedConnection, id: Int, shutdown: ShutdownFlag) async {
        let connection = accepted.channel
        defer { accepted.budget.close() }
        let metrics = context.metrics
        let channel = connection.channel
        let peer = channel.remoteAddress.map { "\($0)" } ?? "?"
        let address = channel.remoteAddress?.ipAddress ?? peer
        let client = ClientPeer(channel.remoteAddress)
        var logger = context.logger
        logger[metadataKey: "connection"] = "\(id)"
        guard await admit(connection, id: id, address: address, logger: logger) else { return }
        metrics.openConnection()
        defer {
            metrics.closeConnection()
            admission.closed(id: id, address: address)
        }
        logger.debug("connection opened", metadata: ["peer": "\(peer)"])
        // While a request runs the connection is busy; a shutdown closes idle connections at once.
        let busy = NIOLockedValueBox(false)
        // Only while the dispatcher runs (not while a reply waits for a client that does not read).
        let dispatching = accepted.dispatching
        let helloDeadline = scheduleHelloDeadline(channel, id: id, dispatching: dispatching, logger: logger)
        defer { helloDeadline.cancel() }
        let unregister = shutdown.onBegin {
            if !busy.withLockedValue({ $0 }) { channel.close(promise: nil) }
        }
        defer { unregister() }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var session: Session? = nil
                var sequence = 0
                for try await frame in inbound {
                    switch frame {
                    case .tooLong(let limit):
                        metrics.countOversizeLine()
                        logger.warning("line over the limit; closing", metadata: ["peer": "\(peer)", "limit": "\(limit)"])
                        let error = RPCError.invalidRequest("line longer than \(limit) bytes", reason: .lineTooLong)
                        try await outbound.write(Self.encode(RPCResponse(id: .null, error: error).json))
                        return
                    case .line(let buffer):
                        defer { accepted.budget.release(buffer.readableBytes) }  // reserved by BufferBudgetHandler
                        let bytes = buffer.readableBytesView
                        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }  // keep-alive blank lines
                        // Mark busy before looking at the shutdown flag, so a shutdown either sees this
                        // request running (and waits for it) or this request sees the shutdown (and skips it).
                        busy.withLockedValue { $0 = true }
                        if shutdown.isShuttingDown { return }
                        dispatching.withLockedValue { $0 = true }
                        let reply = await dispatcher.handle(line: Array(bytes), session: &session, connectionID: id, peer: client, sequence: &sequence)
                        dispatching.withLockedValue { $0 = false }
                        if session != nil { admission.authenticated(id: id) }
                        if let reply {
                            if Task.isCancelled {
                                // Past the shutdown grace this task is cancelled and the writer refuses its
                                // writes; the reply (the request's error) still goes out, from a task of its own.
                                try await Task { try await outbound.write(Self.encode(reply)) }.value
                            } else {
                                try await outbound.write(Self.encode(reply))
                            }
                        }
                        busy.withLockedValue { $0 = false }
                        if shutdown.isShuttingDown { return }
                    }
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
        await context.connectionClosed(id)
        logger.debug("connection closed", metadata: ["peer": "\(peer)"])
    }

    /// Lets the connection in, or tells it why not (and closes it). Closes the oldest connection
    /// without a session when this one takes its place.
    private func admit(_ connection: NIOAsyncChannel<LineFrame, ByteBuffer>, id: Int, address: String, logger: Logger) async -> Bool {
        let metrics = context.metrics
        let channel = connection.channel
        let peer = channel.remoteAddress.map { "\($0)" } ?? "?"
        let decision = admission.admit(id: id, address: address) { why in
            metrics.countEvicted()
            let error: RPCError
            switch why {
            case .unauthenticated:
                logger.notice("closing the oldest connection without a session to make room", metadata: ["peer": "\(peer)"])
                error = .overloaded(
                    "too many connections without a session; this one waited longest for its session.hello",
                    reason: .tooManyUnauthenticated)
            case .address:
                logger.notice("closing the oldest connection of its address without a session to make room", metadata: ["peer": "\(peer)"])
                error = .overloaded(
                    "too many connections from this address; this one waited longest for its session.hello",
                    reason: .tooManyFromAddress)
            }
            Self.closeWithError(channel, error)
        }
        switch decision {
        case .admitted(let evicted):
            evicted?()
            return true
        case .refused(let error):
            metrics.countRefused(reason: error.reason.rawValue)
            logger.warning("connection limit reached; refusing", metadata: ["peer": "\(peer)", "reason": "\(error.reason)"])
            try? await connection.executeThenClose { _, outbound in
                try await outbound.write(Self.encode(RPCResponse(id: .null, error: error).json))
            }
            return false
        }
    }

    /// Closes the connection if it has not completed `session.hello` within the hello deadline. A
    /// request running at the deadline (a hello the database is slow to check) is let finish: the
    /// check is repeated every second until the connection is idle.
    private func scheduleHelloDeadline(_ channel: any Channel, id: Int, dispatching: NIOLockedValueBox<Bool>, logger: Logger) -> RepeatedTask {
        let seconds = context.configuration.helloTimeoutSeconds
        let metrics = context.metrics
        let admission = self.admission
        return channel.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(Int64(seconds)), delay: .seconds(1)) { task in
            guard admission.isWaitingForHello(id: id) else {
                task.cancel()
                return
            }
            if dispatching.withLockedValue({ $0 }) { return }
            task.cancel()
            metrics.countHelloTimeout()
            logger.info("no session.hello within the deadline; closing", metadata: ["peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")"])
            Self.closeWithError(channel, .unauthenticated("call session.hello within \(seconds) s of connecting", reason: .helloTimeout))
        }
    }

    /// Sends one error line with `id: null` and closes, from outside the connection's own task.
    static func closeWithError(_ channel: any Channel, _ error: RPCError) {
        channel.writeAndFlush(encode(RPCResponse(id: .null, error: error).json), promise: nil)
        channel.close(promise: nil)
    }

    static func encode(_ value: JSONValue) -> ByteBuffer {
        var text = JSONSerializer.serialize(value)
        text += "\n"
        return ByteBuffer(string: text)
    }
}

/// A connection as the listener hands it over: the channel and its part of the memory budget.
struct AcceptedConnection: Sendable {
    let channel: NIOAsyncChannel<LineFrame, ByteBuffer>
    let budget: BudgetAccount
    /// Whether the dispatcher is running one of the connection's requests (the idle timer spares it).
    let dispatching: NIOLockedValueBox<Bool>
}

/// Set once when graceful shutdown begins; connections register to hear of it.
final class ShutdownFlag: Sendable {
    private struct State {
        var begun = false
        var next = 0
        var callbacks: [Int: @Sendable () -> Void] = [:]
    }
    private let state = NIOLockedValueBox(State())

    var isShuttingDown: Bool { state.withLockedValue { $0.begun } }

    func begin() {
        let callbacks = state.withLockedValue { s -> [@Sendable () -> Void] in
            s.begun = true
            defer { s.callbacks = [:] }
            return Array(s.callbacks.values)
        }
        callbacks.forEach { $0() }
    }

    /// Registers `callback` (run at once if shutdown has begun); returns the way to unregister.
    func onBegin(_ callback: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let key = state.withLockedValue { s -> Int? in
            if s.begun { return nil }
            s.next += 1
            s.callbacks[s.next] = callback
            return s.next
        }
        guard let key else {
            callback()
            return {}
        }
        return { [state] in _ = state.withLockedValue { $0.callbacks.removeValue(forKey: key) } }
    }
}

/// A one-shot signal that async callers can wait for.
final class AsyncStreamBox: Sendable {
    private let state = NIOLockedValueBox<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func signal() {
        let waiters = state.withLockedValue { s -> [CheckedContinuation<Void, Never>] in
            s.done = true
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLockedValue { s -> Bool in
                if s.done { return true }
                s.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}

import CRMProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A connection to crmd speaking JSON-RPC 2.0 over newline-framed TCP (optionally TLS). Calls may
/// be made concurrently; they are pipelined on the one connection and answered in order.
public final class RPCClient: Sendable {
    /// TLS settings of a client.
    public struct TLSOptions: Sendable {
        /// PEM file of the certificate authorities to trust (default: the system's).
        public var caFile: String?
        /// Name to verify the server's certificate against (default: the host).
        public var serverName: String?

        public init(caFile: String? = nil, serverName: String? = nil) {
            self.caFile = caFile
            self.serverName = serverName
        }
    }

    private let channel: any Channel
    private let handler: NIOLoopBound<RPCClientHandler>
    private let nextID = NIOLockedValueBox<Int64>(0)

    private init(channel: any Channel, handler: NIOLoopBound<RPCClientHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Opens a connection to `host:port`.
    public static func connect(
        host: String, port: Int, tls: TLSOptions? = nil, connectTimeoutSeconds: Int64 = 5,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RPCClient {
        var sslContext: NIOSSLContext? = nil
        if let tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let ca = tls.caFile {
                configuration.trustRoots = .file(ca)
            }
            sslContext = try NIOSSLContext(configuration: configuration)
        }
        let serverName = tls?.serverName ?? host
        let tlsContext = sslContext
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(connectTimeoutSeconds))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        if let sslContext = tlsContext {
                            let isIP = serverName.contains(":") || serverName.allSatisfy { $0.isNumber || $0 == "." }
                            try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: isIP ? nil : serverName))
                        }
                        try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 256 << 20)))
                        try pipeline.addHandler(RPCClientHandler())
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw ClientError.connectFailed("\(host):\(port): \(error)")
        }
        let handler: NIOLoopBound<RPCClientHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: RPCClientHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            // The server closed the connection at once (for example at its connection limit).
            throw ClientError.disconnected
        }
        return RPCClient(channel: channel, handler: handler)
    }

    /// Calls `method` and returns its result; an error reply is thrown as `RPCError`.
    public func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        try await start(method, params).result()
    }

    /// A call already sent whose reply has not been awaited yet.
    public struct PendingCall: Sendable {
        let reply: EventLoopFuture<JSONValue>

        /// The result; an error reply is thrown as `RPCError`.
        public func result() async throws -> JSONValue {
            let json = try await reply.get()
            guard let response = RPCResponse(json: json) else {
                throw ClientError.badResponse(String(JSONSerializer.serialize(json).prefix(200)))
            }
            switch response.outcome {
            case .success(let value): return value
            case .failure(let error): throw error
            }
        }
    }

    /// Sends a call now and returns without waiting: calls started one after another are sent,
    /// executed and answered in that order (for pipelining, as store-sync does with its batches).
    public func start(_ method: String, _ params: JSONValue? = nil) -> PendingCall {
        let promise = channel.eventLoop.makePromise(of: JSONValue.self)
        sendLine(JSONSerializer.serialize(request(method, params).json), promise: promise)
        return PendingCall(reply: promise.futureResult)
    }

    /// Sends a notification (no reply is expected or given).
    public func notify(_ method: String, _ params: JSONValue? = nil) {
        let request = RPCRequest(id: nil, method: method, params: params)
        sendLine(JSONSerializer.serialize(request.json), promise: nil)
    }

    /// Sends one raw line and returns the reply line's JSON; for tests and tools that need
    /// to send exactly what they choose (batches, malformed input).
    public func send(rawLine: String) async throws -> JSONValue {
        let promise = channel.eventLoop.makePromise(of: JSONValue.self)
        sendLine(rawLine, promise: promise)
        return try await promise.futureResult.get()
    }

    /// Sends one raw line without waiting for anything.
    public func sendWithoutReply(rawLine: String) {
        sendLine(rawLine, promise: nil)
    }

    private func request(_ method: String, _ params: JSONValue?) -> RPCRequest {
        let id = nextID.withLockedValue {
            $0 += 1; return $0
        }
        return RPCRequest(id: .int(id), method: method, params: params)
    }

    private func sendLine(_ line: String, promise: EventLoopPromise<JSONValue>?) {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        let handler = self.handler
        let line = buffer
        channel.eventLoop.execute {
            handler.value.send(line, expectingReply: promise)
        }
    }

    /// Closes the connection; calls still waiting fail with `ClientError.disconnected`.
    public func close() async {
        try? await channel.close()
    }

    /// True while the connection is open.
    public var isActive: Bool { channel.isActive }
}

extension RPCClient {
    /// Calls a method of the contract with typed params and returns its typed result. A reply
    /// that does not have the result's shape is `ClientError.badResponse`; members a newer server
    /// added are ignored.
    public func call<M: RPCMethod>(_ method: M.Type, _ params: M.Params) async throws -> M.Result {
        try await start(method, params).result(of: method)
    }

    /// Sends a call of the contract now and returns without waiting (as `start(_:_:)` does);
    /// its typed result is `result(of:)` of the same method.
    public func start<M: RPCMethod>(_ method: M.Type, _ params: M.Params) throws(RPCError) -> PendingCall {
        start(M.name, try JSONValueEncoder().encode(params))
    }

    /// Calls a method of the contract that takes no params.
    public func call<M: RPCMethod>(_ method: M.Type) async throws -> M.Result where M.Params == NoParams {
        try await call(method, NoParams())
    }
}

extension RPCClient.PendingCall {
    /// The typed result of a call of `method` started with `start(_:_:)`. A reply that does not
    /// have the result's shape is `ClientError.badResponse`; members a newer server added are ignored.
    public func result<M: RPCMethod>(of method: M.Type) async throws -> M.Result {
        let reply = try await result()
        do {
            return try JSONValueDecoder(rejectsUnknownFields: false).decode(M.Result.self, from: reply)
        } catch {
            throw ClientError.badResponse("\(M.name) answered with \(error.message)")
        }
    }
}

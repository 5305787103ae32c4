import CRMProtocol
import NIOCore
import NIOPosix

/// The ceiling for `server.health`: a loopback server with crmd's framing that answers every line
/// with a fixed reply, doing no JSON-RPC parsing, no dispatch and no metrics.
enum EchoBaseline {
    static let reply = ByteBuffer(string: #"{"jsonrpc":"2.0","result":{"status":"ok","database":"ok","version":"baseline"},"id":0}"# + "\n")

    final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = LineFrame
        typealias OutboundOut = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .line = unwrapInboundIn(data) {
                context.write(wrapOutboundOut(EchoBaseline.reply), promise: nil)
            }
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            context.flush()
        }
    }

    /// Starts the baseline server on a free loopback port; returns the channel and its port.
    static func start() async throws -> (any Channel, Int) {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: 1 << 20)))
                    try channel.pipeline.syncOperations.addHandler(Handler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, channel.localAddress!.port!)
    }
}

import CRMProtocol
import Logging
import NIOCore

/// Charges a connection's complete lines and its replies to the shared `ConnectionBudget`. Sits just
/// after the line decoder: each line is reserved as it is decoded (the serve loop releases it when
/// done with it), each reply as it is written (released once it reached the socket).
final class BufferBudgetHandler: ChannelDuplexHandler {
    typealias InboundIn = LineFrame
    typealias InboundOut = LineFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let account: BudgetAccount
    private let logger: Logger
    private var refusing = false

    init(account: BudgetAccount, logger: Logger) {
        self.account = account
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }  // the connection is closing: hold nothing more
        if case .line(let line) = unwrapInboundIn(data), !account.reserve(line.readableBytes) {
            refusing = true
            logger.warning(
                "memory budget of all connections spent; refusing a line and closing",
                metadata: [
                    "peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "line_bytes": "\(line.readableBytes)",
                ])
            let error = RPCError.overloaded("the server's buffers are full; retry later", reason: .memoryBudget)
            // Written past this handler, so this short notice is not itself charged.
            context.writeAndFlush(wrapOutboundOut(RPCServer.encode(RPCResponse(id: .null, error: error).json)), promise: nil)
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data).readableBytes
        guard account.reserve(bytes) else {
            // Replies pile up only when the client does not read them: drop it rather than hold more.
            logger.warning(
                "memory budget of all connections spent by unread replies; closing",
                metadata: [
                    "peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "reply_bytes": "\(bytes)",
                ])
            promise?.fail(ChannelError.outputClosed)
            context.close(promise: nil)
            return
        }
        let written = promise ?? context.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { [account] _ in account.release(bytes) }
        context.write(data, promise: written)
    }
}

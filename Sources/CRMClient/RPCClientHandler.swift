import CRMProtocol
import NIOCore

/// The client end of a connection: matches each reply line to the oldest call still waiting
/// (the server answers in order), and fails every waiting call when the connection ends.
/// Lives on its channel's event loop only.
final class RPCClientHandler: ChannelInboundHandler {
    typealias InboundIn = LineFrame
    typealias OutboundOut = ByteBuffer

    private var pending: CircularBuffer<EventLoopPromise<JSONValue>> = []
    private var context: ChannelHandlerContext?
    private var closed = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends one line; `promise` (if any) receives the reply line's JSON.
    func send(_ line: ByteBuffer, expectingReply promise: EventLoopPromise<JSONValue>?) {
        guard let context, !closed else {
            promise?.fail(ClientError.disconnected)
            return
        }
        if let promise { pending.append(promise) }
        context.writeAndFlush(wrapOutboundOut(line), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .tooLong(let limit):
            failAll(ClientError.badResponse("a reply line exceeded \(limit) bytes"))
            context.close(promise: nil)
        case .line(let buffer):
            guard let promise = pending.popFirst() else {
                // A reply to nothing we are waiting for (for example a connection-limit notice).
                return
            }
            do {
                promise.succeed(try JSONParser.parse(buffer.readableBytesView, maxDepth: 512))
            } catch {
                promise.fail(ClientError.badResponse(error.description))
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        failAll(ClientError.disconnected)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(ClientError.badResponse("\(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let promise = pending.popFirst() { promise.fail(error) }
    }
}

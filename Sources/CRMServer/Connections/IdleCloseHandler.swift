import Logging
import NIOCore

/// Closes a connection when `IdleStateHandler` reports it idle, counting and logging it.
final class IdleCloseHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    let logger: Logger
    let countClose: @Sendable () -> Void

    init(logger: Logger, countClose: @escaping @Sendable () -> Void) {
        self.logger = logger
        self.countClose = countClose
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            countClose()
            logger.info("closing idle connection", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

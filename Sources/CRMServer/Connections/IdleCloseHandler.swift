import Logging
import NIOCore

/// Closes a connection when `IdleStateHandler` reports it idle, counting and logging it. A
/// connection whose request is still running (waiting on a lock, a long report) is not idle: the
/// handler lets that report pass, and the timer, which starts again after each, fires once the
/// request has answered and the client stays quiet.
final class IdleCloseHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    let logger: Logger
    let countClose: @Sendable () -> Void
    let isBusy: @Sendable () -> Bool

    init(logger: Logger, countClose: @escaping @Sendable () -> Void, isBusy: @escaping @Sendable () -> Bool = { false }) {
        self.logger = logger
        self.countClose = countClose
        self.isBusy = isBusy
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if isBusy() { return }
            countClose()
            logger.info("closing idle connection", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

import CRMProtocol
import Logging
import NIOCore

/// Closes a connection whose message line is not complete within `timeout` of its first byte: a
/// sender trickling one byte a second keeps the idle timer from firing, but not this one. Sits before
/// the line decoder and looks at raw bytes. Time while crmd itself is not reading (its read-ahead is
/// full) does not count against the client: the deadline is then pushed back.
final class MessageDeadlineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let metrics: ServerMetrics
    private let logger: Logger
    private var timer: Scheduled<Void>? = nil
    /// Between asking the channel for bytes and the end of that read: crmd is waiting on the client.
    private var reading = false

    init(timeoutSeconds: Int, metrics: ServerMetrics, logger: Logger) {
        self.timeout = .seconds(Int64(timeoutSeconds))
        self.metrics = metrics
        self.logger = logger
    }

    func read(context: ChannelHandlerContext) {
        reading = true
        context.read()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).readableBytesView
        if let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) {
            // A line ended here; whatever follows it starts the next one now.
            stopTimer()
            if lastNewline != bytes.index(before: bytes.endIndex) { startTimer(context: context) }
        } else if !bytes.isEmpty, timer == nil {
            startTimer(context: context)
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
    }

    private func stopTimer() {
        timer?.cancel()
        timer = nil
    }

    private func startTimer(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            self.timer = nil
            guard self.reading else {
                // crmd stopped asking for bytes (back-pressure): the client is not late; give it time again.
                self.startTimer(context: context)
                return
            }
            self.metrics.countMessageTimeout()
            self.logger.info(
                "message not complete within the deadline; closing",
                metadata: [
                    "peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "timeout_s": "\(self.timeout.nanoseconds / 1_000_000_000)",
                ])
            let seconds = self.timeout.nanoseconds / 1_000_000_000
            let error = RPCError.invalidRequest("a message must be complete within \(seconds) s of its first byte", reason: .messageTimeout)
            context.writeAndFlush(self.wrapOutboundOut(RPCServer.encode(RPCResponse(id: .null, error: error).json)), promise: nil)
            context.close(promise: nil)
        }
    }
}

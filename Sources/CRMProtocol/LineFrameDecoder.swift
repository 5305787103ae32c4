import NIOCore

/// What the line decoder hands on: a complete line, or word that the peer sent a line over the limit.
public enum LineFrame: Sendable, Equatable {
    /// One message without its terminating `\n` (and without a `\r` just before it).
    case line(ByteBuffer)
    /// The peer sent more than the limit without a newline; nothing further is decoded.
    case tooLong(limit: Int)
}

/// Splits a byte stream into `\n`-terminated lines of at most `maxLineBytes` bytes, in the style of
/// swift-nio's `NIOTCPEchoServer` newline framing. An oversize line is reported once, after which the
/// decoder drops everything: the caller answers and closes the connection.
public struct LineFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = LineFrame

    public let maxLineBytes: Int
    private var scanned = 0
    private var failed = false

    public init(maxLineBytes: Int) {
        precondition(maxLineBytes > 0, "maxLineBytes must be positive")
        self.maxLineBytes = maxLineBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if failed {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let readable = buffer.readableBytesView
        let searchStart = readable.startIndex + scanned
        if let newline = readable[searchStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - readable.startIndex
            // The limit counts the message bytes, not its terminator.
            var lineLength = length
            if lineLength > 0, readable[newline - 1] == UInt8(ascii: "\r") { lineLength -= 1 }
            if lineLength > maxLineBytes {
                return fail(context: context, buffer: &buffer)
            }
            let line = buffer.getSlice(at: buffer.readerIndex, length: lineLength)!
            buffer.moveReaderIndex(forwardBy: length + 1)
            scanned = 0
            context.fireChannelRead(wrapInboundOut(.line(line)))
            return .continue
        }
        scanned = readable.count
        // Allow one extra byte for a trailing "\r" that may precede the newline.
        if readable.count > maxLineBytes + 1 {
            return fail(context: context, buffer: &buffer)
        }
        return .needMoreData
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A final line without a newline at EOF is still a message.
        while try decode(context: context, buffer: &buffer) == .continue {}
        if !failed, buffer.readableBytes > 0 {
            var lineLength = buffer.readableBytes
            if buffer.readableBytesView.last == UInt8(ascii: "\r") { lineLength -= 1 }
            let line = buffer.getSlice(at: buffer.readerIndex, length: lineLength)!
            buffer.moveReaderIndex(to: buffer.writerIndex)
            scanned = 0
            if line.readableBytes > 0 || lineLength > 0 {
                context.fireChannelRead(wrapInboundOut(.line(line)))
            }
        }
        return .needMoreData
    }

    private mutating func fail(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        failed = true
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(wrapInboundOut(.tooLong(limit: maxLineBytes)))
        return .needMoreData
    }
}

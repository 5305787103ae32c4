import CRMProtocol
import NIOCore
import NIOEmbedded
import Testing

@Suite("line framing")
struct LineFrameDecoderTests {
    func decode(_ chunks: [String], limit: Int = 16) throws -> [LineFrame] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: limit)))
        for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
        var frames: [LineFrame] = []
        while let frame = try channel.readInbound(as: LineFrame.self) { frames.append(frame) }
        _ = try? channel.finish()
        return frames
    }

    func lines(_ frames: [LineFrame]) -> [String] {
        frames.compactMap { if case .line(let b) = $0 { return String(buffer: b) } else { return nil } }
    }

    @Test("several lines in one chunk, and a line split across chunks")
    func splitting() throws {
        #expect(lines(try decode(["a\nbb\nccc\n"])) == ["a", "bb", "ccc"])
        #expect(lines(try decode(["ab", "c\nd", "e\n"])) == ["abc", "de"])
    }

    @Test("a carriage return before the newline is dropped")
    func crlf() throws {
        #expect(lines(try decode(["a\r\nb\r", "\n"])) == ["a", "b"])
    }

    @Test("a line exactly at the limit passes; one byte more is reported once")
    func limit() throws {
        #expect(lines(try decode([String(repeating: "x", count: 16) + "\n"])) == [String(repeating: "x", count: 16)])
        #expect(lines(try decode([String(repeating: "x", count: 16) + "\r\n"])) == [String(repeating: "x", count: 16)])
        let over = try decode([String(repeating: "x", count: 17) + "\nnext\n"])
        #expect(over == [.tooLong(limit: 16)])
        let noNewline = try decode([String(repeating: "x", count: 10), String(repeating: "x", count: 10)])
        #expect(noNewline == [.tooLong(limit: 16)])
    }
}

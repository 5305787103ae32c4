// A libFuzzer target for what crmd reads from the network before anyone logged in: the line framing
// (LineFrameDecoder, fed in two chunks split where the input says), each line classified by
// RPCIncoming.parse, and JSONParser.parse on the whole input with a serialize-and-parse-again check.
// Built only by scripts/fuzz (with -sanitize=fuzzer -DCRM_FUZZ); the ordinary build compiles the
// stub at the bottom, so the package builds everywhere without libFuzzer.
#if CRM_FUZZ
import CRMProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOEmbedded

/// libFuzzer's entry for programs that have their own `main` (SwiftPM gives every executable one).
@_extern(c, "LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
    }
}

/// Small limits, so the fuzzer reaches them with small inputs.
private enum FuzzLimits {
    static let lineBytes = 4_096
    static let batch = 64
    static let objectKeys = 256
}

/// One input: returns 0 (libFuzzer's "keep going"); a failed check stops the run.
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkJSONRoundTrip(bytes)
    checkFraming(bytes)
    return 0
}

/// Whatever parses serializes to text that parses to the same value.
private func checkJSONRoundTrip(_ bytes: [UInt8]) {
    guard let value = try? JSONParser.parse(bytes, maxObjectKeys: FuzzLimits.objectKeys) else { return }
    let text = JSONSerializer.serialize(value)
    guard let again = try? JSONParser.parse(text, maxObjectKeys: FuzzLimits.objectKeys) else {
        preconditionFailure("serialized JSON does not parse: \(text)")
    }
    precondition(again == value, "JSON changed in a round trip: \(text)")
}

/// Lines come out at most the limit long; after an oversize report nothing more comes out; every
/// line is classified, and every error it gets serializes to one line.
private func checkFraming(_ bytes: [UInt8]) {
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maxLineBytes: FuzzLimits.lineBytes)))
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    var frames: [LineFrame] = []
    for chunk in [bytes[..<split], bytes[split...]] where !chunk.isEmpty {
        _ = try? channel.writeInbound(ByteBuffer(bytes: chunk))
        while let frame = try? channel.readInbound(as: LineFrame.self) { frames.append(frame) }
    }
    _ = try? channel.finish()
    while let frame = try? channel.readInbound(as: LineFrame.self) { frames.append(frame) }
    var sawTooLong = false
    for frame in frames {
        precondition(!sawTooLong, "a frame after the oversize report")
        switch frame {
        case .tooLong:
            sawTooLong = true
        case .line(let line):
            precondition(line.readableBytes <= FuzzLimits.lineBytes, "a line over the limit")
            classify(line.readableBytesView)
        }
    }
}

private func classify(_ line: ByteBufferView) {
    var errors: [RPCError] = []
    switch RPCIncoming.parse(line, maxBatch: FuzzLimits.batch, maxObjectKeys: FuzzLimits.objectKeys) {
    case .failure(let error): errors.append(error)
    case .single(let entry): errors += invalid(entry)
    case .batch(let entries):
        precondition(!entries.isEmpty && entries.count <= FuzzLimits.batch, "a batch outside its limits")
        errors += entries.flatMap(invalid)
    }
    for error in errors {
        let reply = JSONSerializer.serialize(RPCResponse(id: .null, error: error).json)
        precondition(!reply.utf8.contains(UInt8(ascii: "\n")), "an error reply spans lines")
        precondition(error.message.utf8.count <= 1_024, "an error message echoes too much: \(error.message.utf8.count) bytes")
    }
}

private func invalid(_ entry: RPCEntry) -> [RPCError] {
    switch entry {
    case .invalid(_, let error): return [error]
    case .request(let request):
        // What crmd answers for a method it does not know: must stay short, whatever the name.
        return [RPCError.methodNotFound(request.method)]
    }
}
#else
/// The ordinary build's stand-in: says how to build the real target.
@main
struct FuzzStub {
    static func main() {
        print("crm-fuzz is a libFuzzer target: build and run it with scripts/fuzz.")
    }
}
#endif

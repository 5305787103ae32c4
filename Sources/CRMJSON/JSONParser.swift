/// Why a byte sequence is not an acceptable JSON document.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset where the problem was found.
    public var offset: Int
    public var reason: String
    public var description: String { "\(reason) at byte \(offset)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes, with a nesting limit so hostile input cannot
/// exhaust the stack, and a limit on the keys of one object. Its work is linear in the input.
public struct JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    public static let defaultMaxDepth = 64
    /// Most keys in one object. No request of the protocol needs more than a few hundred; the limit
    /// keeps one line from building a huge index.
    public static let defaultMaxObjectKeys = 10_000

    public static func parse(
        _ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth,
        maxObjectKeys: Int = defaultMaxObjectKeys
    ) throws(JSONParseError) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var parser = Cursor(bytes: buffer, maxDepth: maxDepth, maxObjectKeys: maxObjectKeys)
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.error("unexpected data after the JSON value") }
            return value
        }
    }

    public static func parse(
        _ text: String, maxDepth: Int = defaultMaxDepth,
        maxObjectKeys: Int = defaultMaxObjectKeys
    ) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth, maxObjectKeys: maxObjectKeys)
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        let maxObjectKeys: Int
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxObjectKeys: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
            self.maxObjectKeys = maxObjectKeys
        }

        func error(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
            guard index < bytes.count else { throw error("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw error("unexpected character")
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error("invalid literal") }
            let base = literal.utf8Start
            for i in 0..<count where bytes[index + i] != base[i] { throw error("invalid literal") }
            index += count
        }

        mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth)") }
            index += 1
            var object = JSONObject()
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                guard object.count < maxObjectKeys else { throw error("object with more than \(maxObjectKeys) keys") }
                let key = try parseString()
                guard !object.contains(key) else { throw error("duplicate key \(ClientText.quoted(key))") }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                object[key] = value
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth)") }
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func parseNumber() throws(JSONParseError) -> JSONValue {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw error("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if isDigit(bytes[index]) {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            } else {
                throw error("invalid number")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            guard index - start <= 64 else { throw JSONParseError(offset: start, reason: "number too long") }
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }

        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

        mutating func parseString() throws(JSONParseError) -> String {
            index += 1  // opening quote
            // Bytes of a string with escapes; a string without any is made from the input at once.
            var decoded: [UInt8]? = nil
            var runStart = index
            func flush(_ cursor: Cursor, into buffer: inout [UInt8]?, from start: Int) {
                if buffer == nil { buffer = [] }
                if cursor.index > start { buffer!.append(contentsOf: cursor.bytes[start..<cursor.index]) }
            }
            func append(_ scalar: Unicode.Scalar, to buffer: inout [UInt8]?) {
                buffer!.append(contentsOf: UTF8.encode(scalar)!)
            }
            while true {
                guard index < bytes.count else { throw error("unterminated string") }
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    guard decoded != nil else {
                        return String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<index]), as: UTF8.self)
                    }
                    flush(self, into: &decoded, from: runStart)
                    return String(decoding: decoded!, as: UTF8.self)
                }
                if b < 0x20 { throw error("control character in string") }
                if b == UInt8(ascii: "\\") {
                    flush(self, into: &decoded, from: runStart)
                    index += 1
                    guard index < bytes.count else { throw error("unterminated escape") }
                    let e = bytes[index]
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""): decoded!.append(0x22)
                    case UInt8(ascii: "\\"): decoded!.append(0x5C)
                    case UInt8(ascii: "/"): decoded!.append(0x2F)
                    case UInt8(ascii: "b"): decoded!.append(0x08)
                    case UInt8(ascii: "f"): decoded!.append(0x0C)
                    case UInt8(ascii: "n"): decoded!.append(0x0A)
                    case UInt8(ascii: "r"): decoded!.append(0x0D)
                    case UInt8(ascii: "t"): decoded!.append(0x09)
                    case UInt8(ascii: "u"):
                        let high = try parseHex4()
                        if (0xD800...0xDBFF).contains(high) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw error("unpaired surrogate")
                            }
                            index += 2
                            let low = try parseHex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate") }
                            let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            append(Unicode.Scalar(value)!, to: &decoded)
                        } else if (0xDC00...0xDFFF).contains(high) {
                            throw error("unpaired surrogate")
                        } else {
                            append(Unicode.Scalar(high)!, to: &decoded)
                        }
                    default: throw error("invalid escape")
                    }
                    runStart = index
                    continue
                }
                if b < 0x80 {
                    index += 1
                    continue
                }
                try validateUTF8Sequence()
            }
        }

        mutating func parseHex4() throws(JSONParseError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("invalid \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        /// Checks one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
        mutating func validateUTF8Sequence() throws(JSONParseError) {
            let b0 = bytes[index]
            var need = 0
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: throw error("invalid UTF-8")
            }
            guard index + need < bytes.count else { throw error("invalid UTF-8") }
            let b1 = bytes[index + 1]
            guard b1 >= lower, b1 <= upper else { throw error("invalid UTF-8") }
            for i in 2..<(need + 1) where i <= need {
                let b = bytes[index + i]
                guard b >= 0x80, b <= 0xBF else { throw error("invalid UTF-8") }
            }
            index += need + 1
        }
    }
}

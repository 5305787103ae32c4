/// Writes `JSONValue`s as compact UTF-8 JSON on one line (control characters and line
/// separators escaped), the form every message on the wire takes. Written as bytes: a push of a
/// thousand events is serialised twice over (each event's canonical text for its content hash, and
/// its member's raw object to seal), and appending to a `String` piece by piece (each append
/// checking the string's capacity and flags) cost crmd several per cent of an ingest.
public enum JSONSerializer {
    public static func serialize(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    public static func write(_ value: JSONValue, into out: inout String) {
        out += serialize(value)
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, (key, element)) in object.entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole.
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }) else {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        let source = Array(s.utf8)
        func append(_ text: StaticString) {
            text.withUTF8Buffer { out.append(contentsOf: $0) }
        }
        var i = 0
        while i < source.count {
            let b = source[i]
            switch b {
            case 0x22: append("\\\"")
            case 0x5C: append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0xE2 where i + 2 < source.count && source[i + 1] == 0x80 && (source[i + 2] == 0xA8 || source[i + 2] == 0xA9):
                // U+2028 and U+2029 end lines in JavaScript: always escaped.
                append(source[i + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                i += 3
                continue
            default:
                if b < 0x20 {
                    let digits = Array("0123456789abcdef".utf8)
                    append("\\u00")
                    out.append(digits[Int(b >> 4)])
                    out.append(digits[Int(b & 15)])
                } else {
                    out.append(b)
                }
            }
            i += 1
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONSerializer {
    /// The canonical text of a value: object keys sorted, no white space. Two documents that mean
    /// the same thing (key order aside) have the same canonical text; content hashes use it.
    public static func canonical(_ value: JSONValue) -> String {
        String(decoding: canonicalBytes(value), as: UTF8.self)
    }

    /// `canonical(value)` as UTF-8.
    public static func canonicalBytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        writeCanonical(value, into: &out)
        return out
    }

    static func writeCanonical(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeCanonical(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, entry) in object.entries.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(entry.key, into: &out)
                out.append(UInt8(ascii: ":"))
                writeCanonical(entry.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        default:
            write(value, into: &out)
        }
    }
}

extension JSONSerializer {
    /// The canonical text of an object (for jsonb parameters built in Swift).
    public static func canonicalObject(_ object: JSONObject) -> String {
        canonical(.object(object))
    }

    /// A string as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        writeString(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

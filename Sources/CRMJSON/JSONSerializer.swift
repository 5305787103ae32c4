/// Writes `JSONValue`s as compact UTF-8 JSON on one line (control characters and line
/// separators escaped), the form every message on the wire takes.
public enum JSONSerializer {
    public static func serialize(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    public static func bytes(_ value: JSONValue) -> [UInt8] {
        Array(serialize(value).utf8)
    }

    public static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out += "["
            var first = true
            for element in elements {
                if !first { out += "," }
                first = false
                write(element, into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            var first = true
            for (key, element) in object.entries {
                if !first { out += "," }
                first = false
                writeString(key, into: &out)
                out += ":"
                write(element, into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        // Most strings need no escape: copy them whole.
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }) else {
            out += s
            out += "\""
            return
        }
        let source = Array(s.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.count + 16)
        func append(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
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
                    bytes.append(digits[Int(b >> 4)])
                    bytes.append(digits[Int(b & 15)])
                } else {
                    bytes.append(b)
                }
            }
            i += 1
        }
        out += String(decoding: bytes, as: UTF8.self)
        out += "\""
    }
}

extension JSONSerializer {
    /// The canonical text of a value: object keys sorted, no white space. Two documents that mean
    /// the same thing (key order aside) have the same canonical text; content hashes use it.
    public static func canonical(_ value: JSONValue) -> String {
        var out = ""
        writeCanonical(value, into: &out)
        return out
    }

    static func writeCanonical(_ value: JSONValue, into out: inout String) {
        switch value {
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                writeCanonical(element, into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, entry) in object.entries.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if i > 0 { out += "," }
                writeString(entry.key, into: &out)
                out += ":"
                writeCanonical(entry.value, into: &out)
            }
            out += "}"
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
        var out = ""
        writeString(s, into: &out)
        return out
    }
}

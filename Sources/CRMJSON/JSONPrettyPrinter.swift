/// Writes a `JSONValue` for people to read and diff: one member or entry per line, indented by
/// two spaces, keys in their order, ending with a newline (`docs/openrpc.json`, `--pretty` output).
/// Arrays of scalars stay on one line.
public enum JSONPrettyPrinter {
    public static func print(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: "", into: &out)
        return out + "\n"
    }

    private static func write(_ value: JSONValue, indent: String, into out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty && items.contains(where: isContainer):
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                write(item, indent: inner, into: &out)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let object) where object.count > 0:
            out += "{\n"
            for (i, (key, member)) in object.enumerated() {
                out += inner + JSONSerializer.quoted(key) + ": "
                write(member, indent: inner, into: &out)
                out += i + 1 < object.count ? ",\n" : "\n"
            }
            out += indent + "}"
        default:
            JSONSerializer.write(value, into: &out)
        }
    }

    private static func isContainer(_ value: JSONValue) -> Bool {
        switch value {
        case .array, .object: return true
        default: return false
        }
    }
}

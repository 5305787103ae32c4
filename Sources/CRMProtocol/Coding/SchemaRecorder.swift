/// Reads a contract type's shape as a JSON Schema by decoding one from nothing: every field the
/// type's `init(from:)` asks for is recorded with its type and `FieldRule`, required unless asked
/// for with `decodeIfPresent`. The OpenRPC document is made of these, so it cannot drift from the
/// types that crmd and its clients use.
struct SchemaRecorder {
    /// Params refuse unknown members (`additionalProperties: false`); results may grow.
    let closed: Bool

    func schema<T: Decodable>(for type: T.Type, rule: FieldRule?) -> JSONValue {
        do {
            return try record(type, rule: rule).schema
        } catch {
            preconditionFailure("cannot read the shape of \(T.self): \(error)")
        }
    }

    func record<T: Decodable>(_ type: T.Type, rule: FieldRule?) throws -> (schema: JSONValue, placeholder: T) {
        if let scalar = Self.scalar(type, rule: rule) { return scalar }
        if let custom = T.self as? any WireScalar.Type, let value = custom.placeholder as? T { return (custom.schema, value) }
        if let sent = T.self as? any AlwaysSent.Type, let (schema, value) = try sent.recordValue(self, rule: rule) as? (JSONValue, T) {
            return (schema, value)
        }
        if let words = T.self as? any WireEnum.Type, let value = words.anyCase as? T {
            return (["type": "string", "enum": .array(words.wireWords.map(JSONValue.string))], value)
        }
        let decoder = RecordingDecoder(recorder: self, rules: (T.self as? any RPCObject.Type)?.fieldRules ?? [:], rule: rule)
        let value = try T(from: decoder)
        if let rules = (T.self as? any RPCObject.Type)?.fieldRules {
            for name in rules.keys {
                precondition(decoder.properties.contains { $0.name == name }, "\(T.self).fieldRules names \(name), which is not one of its fields")
            }
        }
        return (decoder.schema(closed: closed), value)
    }

    private static func scalar<T>(_ type: T.Type, rule: FieldRule?) -> (schema: JSONValue, placeholder: T)? {
        if T.self == JSONValue.self, let v = JSONValue.null as? T { return ([:], v) }
        if T.self == JSONObject.self, let v = JSONObject() as? T { return (["type": "object"], v) }
        if T.self == Bool.self, let v = false as? T { return (["type": "boolean"], v) }
        if T.self == Double.self, let v = 0.0 as? T { return (["type": "number"], v) }
        if T.self == String.self, let v = textPlaceholder(rule) as? T { return (textSchema(rule), v) }
        if T.self == Int64.self, let v = integerPlaceholder(rule) as? T { return (integerSchema(rule), v) }
        if T.self == Int.self, let v = Int(integerPlaceholder(rule)) as? T { return (integerSchema(rule), v) }
        return nil
    }

    private static func textSchema(_ rule: FieldRule?) -> JSONValue {
        switch rule {
        case .oneOf(let words, _)?: return ["type": "string", "enum": .array(words.map(JSONValue.string))]
        case .date?: return ["type": "string", "format": "date"]
        case .text(let maxLength, let nonEmpty)?:
            return nonEmpty ? ["type": "string", "minLength": 1, "maxLength": .int(maxLength)] : ["type": "string", "maxLength": .int(maxLength)]
        default: return ["type": "string", "maxLength": .int(FieldRule.defaultTextLength)]
        }
    }

    private static func textPlaceholder(_ rule: FieldRule?) -> String {
        switch rule {
        case .oneOf(let words, _)?: return words.first ?? ""
        case .date?: return "2000-01-01"
        default: return ""
        }
    }

    private static func integerSchema(_ rule: FieldRule?) -> JSONValue {
        guard case .integer(let range)? = rule else { return ["type": "integer"] }
        return ["type": "integer", "minimum": .int(range.lowerBound), "maximum": .int(range.upperBound)]
    }

    private static func integerPlaceholder(_ rule: FieldRule?) -> Int64 {
        guard case .integer(let range)? = rule else { return 0 }
        return range.lowerBound
    }
}

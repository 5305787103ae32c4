import CRMProtocol
import Foundation

/// Checks a JSON value against the subset of JSON Schema that the OpenRPC document uses (type,
/// properties, required, additionalProperties, items, enum, minimum/maximum, minLength/maxLength,
/// maxItems, pattern, anyOf), as a client generated from the document would. Returns the problems.
enum JSONSchemaValidator {
    static func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        if let anyOf = schema["anyOf"]?.arrayValue {
            return anyOf.contains { problems(value, $0, at: path).isEmpty } ? [] : ["\(path): matches none of anyOf"]
        }
        var found: [String] = []
        if let type = schema["type"]?.stringValue, !matches(value, type) {
            return ["\(path): \(value.typeName) where \(type) is expected"]
        }
        if let words = schema["enum"]?.arrayValue, !words.contains(value) { found.append("\(path): \(JSONSerializer.serialize(value)) is not one of the enum") }
        found += numberProblems(value, schema, path) + textProblems(value, schema, path)
        if case .array(let items) = value {
            if let max = schema["maxItems"]?.int64Value, items.count > max { found.append("\(path): more than \(max) items") }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(i)]") }
            }
        }
        if case .object(let object) = value { found += objectProblems(object, schema, path) }
        return found
    }

    private static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .number): return true
        case ("integer", .number(let text)): return Int64(text) != nil
        default: return false
        }
    }

    private static func numberProblems(_ value: JSONValue, _ schema: JSONValue, _ path: String) -> [String] {
        guard let n = value.int64Value else { return [] }
        var found: [String] = []
        if let min = schema["minimum"]?.int64Value, n < min { found.append("\(path): \(n) < minimum \(min)") }
        if let max = schema["maximum"]?.int64Value, n > max { found.append("\(path): \(n) > maximum \(max)") }
        return found
    }

    private static func textProblems(_ value: JSONValue, _ schema: JSONValue, _ path: String) -> [String] {
        guard case .string(let s) = value else { return [] }
        var found: [String] = []
        if let max = schema["maxLength"]?.int64Value, s.count > max { found.append("\(path): longer than \(max)") }
        if let min = schema["minLength"]?.int64Value, s.count < min { found.append("\(path): shorter than \(min)") }
        if let pattern = schema["pattern"]?.stringValue, s.range(of: pattern, options: .regularExpression) == nil {
            found.append("\(path): \(s) does not match \(pattern)")
        }
        return found
    }

    private static func objectProblems(_ object: JSONObject, _ schema: JSONValue, _ path: String) -> [String] {
        var found: [String] = []
        let properties = schema["properties"]?.objectValue ?? JSONObject()
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
            found.append("\(path).\(name): required")
        }
        for (key, member) in object {
            if let propertySchema = properties[key] {
                found += problems(member, propertySchema, at: "\(path).\(key)")
            } else if schema["additionalProperties"] == false {
                found.append("\(path).\(key): not a member of the schema")
            }
        }
        return found
    }
}

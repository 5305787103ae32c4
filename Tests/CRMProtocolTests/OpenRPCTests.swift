import CRMProtocol
import Foundation
import Testing

@Suite("the OpenRPC document is the contract's types, checked in, and the reference's examples follow it")
struct OpenRPCTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    @Test("docs/openrpc.json is what the types make (regenerate with `crmd openrpc > docs/openrpc.json`)")
    func checkedInDocumentIsCurrent() throws {
        let made = JSONPrettyPrinter.print(OpenRPCDocument.make())
        let checkedIn = try Self.read("docs/openrpc.json")
        #expect(checkedIn == made, "docs/openrpc.json has drifted from the contract types: run `crmd openrpc > docs/openrpc.json`")
    }

    @Test("every method has a name, a summary, by-name params and a result schema; names are unique")
    func methodsAreDescribed() throws {
        let methods = OpenRPCDocument.make()["methods"]?.arrayValue ?? []
        #expect(methods.count == RPC.methods.count)
        let names = methods.compactMap { $0["name"]?.stringValue }
        #expect(Set(names).count == names.count)
        for m in methods {
            let summary = m["summary"]?.stringValue ?? ""
            #expect(!summary.isEmpty)
            #expect(m["paramStructure"] == "by-name")
            #expect(m["result"]?["schema"]?["type"] == "object", "\(m["name"] ?? .null)")
        }
    }

    @Test("the error table of docs/protocol.md names exactly the reasons of the catalogue")
    func errorTableMatchesCatalogue() throws {
        let text = try Self.read("docs/protocol.md")
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| -32") }
        #expect(rows.count == 12, "one row per error code")
        var documented = Set<String>()
        for row in rows {
            guard let reasons = row.split(separator: "|").last else { continue }
            for part in reasons.split(separator: "`").enumerated() where part.offset % 2 == 1 {
                let word = String(part.element)
                if word.allSatisfy({ $0.isLowercase || $0 == "_" }) { documented.insert(word) }
            }
        }
        let catalogue = Set(ErrorReason.known.map(\.rawValue))
        #expect(catalogue.subtracting(documented).isEmpty, "in ErrorReason, not in the table: \(catalogue.subtracting(documented).sorted())")
        #expect(documented.subtracting(catalogue).isEmpty, "in the table, not in ErrorReason: \(documented.subtracting(catalogue).sorted())")
    }

    @Test("every example in docs/protocol.md is valid against the document: params, results and errors")
    func referenceExamplesFollowTheDocument() throws {
        let examples = try ProtocolExamples.parse(try Self.read("docs/protocol.md"))
        #expect(examples.count >= 10, "docs/protocol.md should show examples of the main methods")
        let document = OpenRPCDocument.make()
        var byName: [String: JSONValue] = [:]
        for m in document["methods"]?.arrayValue ?? [] { byName[m["name"]?.stringValue ?? ""] = m }
        let reasons = Set(ErrorReason.known.map(\.rawValue))
        for example in examples {
            guard let method = byName[example.method] else {
                Issue.record("docs/protocol.md line \(example.line): \(example.method) is not a method of the contract")
                continue
            }
            switch example.reply {
            case .result(let result)?:
                // A request answered with a result is a valid one; an error example may show a bad one.
                let params = ProtocolExamples.paramsSchema(of: method)
                #expect(
                    JSONSchemaValidator.problems(example.params, params).isEmpty,
                    "line \(example.line): \(JSONSchemaValidator.problems(example.params, params))")
                let schema = method["result"]?["schema"] ?? [:]
                #expect(JSONSchemaValidator.problems(result, schema).isEmpty, "line \(example.line): \(JSONSchemaValidator.problems(result, schema))")
            case .error(let error)?:
                #expect(reasons.contains(error["data"]?["reason"]?.stringValue ?? ""), "line \(example.line): unknown reason")
            case nil:
                break
            }
        }
    }
}

/// The request/reply pairs of the ```jsonrpc blocks in docs/protocol.md: `-->` a request line,
/// `<--` the reply line that follows it.
struct ProtocolExamples {
    enum Reply {
        case result(JSONValue)
        case error(JSONValue)
    }

    struct Example {
        let line: Int
        let method: String
        let params: JSONValue
        var reply: Reply?
    }

    static func parse(_ text: String) throws -> [Example] {
        var examples: [Example] = []
        var inBlock = false
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") { inBlock = line == "```jsonrpc"; continue }
            guard inBlock else { continue }
            if line.hasPrefix("-->") {
                let request = try JSONParser.parse(Array(line.dropFirst(3).utf8))
                examples.append(Example(line: n + 1, method: request["method"]?.stringValue ?? "?", params: request["params"] ?? [:]))
            } else if line.hasPrefix("<--"), !examples.isEmpty {
                let reply = try JSONParser.parse(Array(line.dropFirst(3).utf8))
                examples[examples.count - 1].reply = reply["error"].map(Reply.error) ?? reply["result"].map(Reply.result)
            }
        }
        return examples
    }

    /// The params of an OpenRPC method as one object schema.
    static func paramsSchema(of method: JSONValue) -> JSONValue {
        var properties = JSONObject()
        var required: [JSONValue] = []
        for p in method["params"]?.arrayValue ?? [] {
            guard let name = p["name"]?.stringValue else { continue }
            properties[name] = p["schema"] ?? [:]
            if p["required"] == true { required.append(.string(name)) }
        }
        return ["type": "object", "properties": .object(properties), "required": .array(required), "additionalProperties": false]
    }
}

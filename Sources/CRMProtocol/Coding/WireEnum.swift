/// A field of the contract that holds one of a fixed set of words (a role, a channel, a status).
/// Decoding refuses any other word, naming the ones allowed; the OpenRPC document lists them.
public protocol WireEnum: RawRepresentable, CaseIterable, Codable, Sendable where RawValue == String {}

extension WireEnum {
    /// The words, in declaration order.
    static var wireWords: [String] { allCases.map(\.rawValue) }
    /// Any one of the cases (the OpenRPC recorder needs a value to go on with).
    static var anyCase: Self {
        guard let first = allCases.first else { preconditionFailure("\(Self.self) has no cases") }
        return first
    }
}

/// A field sent even when it has no value (`Present`): required in a result's schema, and nullable.
protocol AlwaysSent {
    static func recordValue(_ recorder: SchemaRecorder, rule: FieldRule?) throws -> (schema: JSONValue, placeholder: Self)
}

extension Present: AlwaysSent {
    static func recordValue(_ recorder: SchemaRecorder, rule: FieldRule?) throws -> (schema: JSONValue, placeholder: Present<Value>) {
        let inner = try recorder.record(Value.self, rule: rule).schema
        return (["anyOf": [inner, ["type": "null"]]], Present(wrappedValue: nil))
    }
}

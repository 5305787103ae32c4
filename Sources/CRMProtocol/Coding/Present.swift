/// An optional result field that is always sent: `null` when there is no value, where a plain
/// optional is left out. For fields a client reads by name whatever their state
/// (`"next_cursor": null` on the last page, `"expires_at": null` for points that never expire).
@propertyWrapper
public struct Present<Value: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension Present: Equatable where Value: Equatable {}

extension KeyedDecodingContainer {
    /// A `Present` field may be missing or `null`: both decode as no value.
    public func decode<Value>(_ type: Present<Value>.Type, forKey key: Key) throws -> Present<Value> {
        try decodeIfPresent(type, forKey: key) ?? Present(wrappedValue: nil)
    }
}

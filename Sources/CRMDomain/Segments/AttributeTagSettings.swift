/// How profile attributes pushed by channels become tags (`config.set {"name": "tags"}`): an
/// attribute with a given value (or any value) gives a tag; attributes named in `listAttributes`
/// (default `tags`) hold tag names themselves (a list, or text separated by commas).
public struct AttributeTagSettings: Sendable, Equatable {
    /// One mapping: attribute (with `value`, or any non-empty value) → tag.
    public struct Mapping: Sendable, Equatable {
        public var attribute: String
        public var value: String?
        public var tag: String
        public init(attribute: String, value: String?, tag: String) { (self.attribute, self.value, self.tag) = (attribute, value, tag) }
    }

    public var mappings: [Mapping] = []
    public var listAttributes: [String] = ["tags"]
    public static let maxMappings = 500

    public init() {}
}

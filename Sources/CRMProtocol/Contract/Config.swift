extension RPC {
    /// The merchant's settings: `identity`, `points`, `segments` and `tags` (the level ladder has
    /// its own `level.rules.*`).
    public enum Config {
        public static let methods: [any RPCMethod.Type] = [Get.self, Set.self]
        static let nameRule = FieldRule.text(maxLength: 64)
    }
}

extension RPC.Config {
    /// A setting's name and its value in force. The value's shape is the setting's own, checked
    /// by crmd's parser of that setting, which names the part at fault.
    public struct Setting: RPCObject {
        public var name: String
        public var value: JSONValue
        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// `config.get`: one setting in force (its defaults where never set).
    public enum Get: RPCMethod {
        public static let name = "config.get"
        public static let summary = "One setting in force (identity, points, segments or tags), defaults filled in."
        public typealias Result = Setting

        public struct Params: RPCObject {
            public var name: String
            public static let fieldRules: [String: FieldRule] = ["name": nameRule]
            public init(name: String) { self.name = name }
        }
    }

    /// `config.set` (admin): replaces one setting whole; audited.
    public enum Set: RPCMethod {
        public static let name = "config.set"
        public static let summary = "Replaces one setting whole (what it leaves out takes its default) and answers it as kept; audited."
        public typealias Params = Setting
        public typealias Result = Setting
    }
}

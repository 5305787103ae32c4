import CRMDomain

extension RPC {
    /// The merchant's shops, which push events and own orders.
    public enum Shop {
        public static let methods: [any RPCMethod.Type] = [Create.self, List.self]
    }
}

extension RPC.Shop {
    /// A shop as stored.
    public struct Record: RPCObject {
        public var code: String
        public var name: String
        public var createdAt: String
        public init(code: String, name: String, createdAt: String) {
            self.code = code
            self.name = name
            self.createdAt = createdAt
        }
    }

    /// `shop.create` (admin): a new shop.
    public enum Create: RPCMethod {
        public static let name = "shop.create"
        public static let summary = "Creates a shop: a code of 1–32 of a-z 0-9 - _, and a display name (the code by default)."
        public typealias Result = Record

        /// The code's and the name's own rules (`bad_shop_code`, `bad_name`) are checked by crmd.
        public struct Params: RPCObject {
            public var code: String
            public var name: String?
            public static let fieldRules: [String: FieldRule] = ["code": .text(maxLength: 100), "name": .text(maxLength: DisplayName.maxLength)]
            public init(code: String, name: String? = nil) {
                self.code = code
                self.name = name
            }
        }
    }

    /// `shop.list`: the shops, by code, a page at a time.
    public enum List: RPCMethod {
        public static let name = "shop.list"
        public static let summary = "Lists the shops ordered by code, a page at a time."

        public typealias Params = Page.Params

        public struct Result: RPCObject {
            public var shops: [Record]
            @Present public var nextCursor: String?
            public init(shops: [Record], nextCursor: String?) {
                self.shops = shops
                self.nextCursor = nextCursor
            }
        }
    }
}

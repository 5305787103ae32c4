import CRMDomain

extension RPC {
    /// Access tokens (admin): issued, listed and revoked; only their hash is stored.
    public enum Token {
        public static let methods: [any RPCMethod.Type] = [Create.self, List.self, Revoke.self]
        /// The roles a token may have, as the wire writes them.
        public static let roles = Role.allCases.map(\.rawValue)
    }
}

extension RPC.Token {
    /// A token as stored, without its text.
    public struct Record: RPCObject {
        public var id: Int64
        public var name: String
        public var role: String
        /// The shop an agent token pushes for.
        @Present public var shop: String?
        public var createdAt: String
        @Present public var revokedAt: String?
        @Present public var lastUsedAt: String?
        /// The shops an operator or analyst token is limited to; absent when it sees the whole base.
        public var shops: [String]?
        public init(
            id: Int64, name: String, role: String, shop: String?, createdAt: String, revokedAt: String?, lastUsedAt: String?, shops: [String]? = nil
        ) {
            self.id = id
            self.name = name
            self.role = role
            self.shop = shop
            self.createdAt = createdAt
            self.revokedAt = revokedAt
            self.lastUsedAt = lastUsedAt
            self.shops = shops
        }
    }

    /// `token.create`: a new token, whose text this reply shows once and never again.
    public enum Create: RPCMethod {
        public static let name = "token.create"
        public static let summary =
            "Issues a token; its text is in this reply only. Agent tokens name the shop they push for; operator and analyst tokens may be limited to shops."

        public struct Params: RPCObject {
            public var role: String
            /// Required for an agent token, refused for the other roles.
            public var shop: String?
            /// Operator and analyst tokens only: the shops they are limited to (members with an
            /// account there, those shops' orders). Absent: the whole base.
            public var shops: [String]?
            public var name: String?
            /// Shops one token may be limited to at most.
            public static let maxShops = 100
            public static let fieldRules: [String: FieldRule] = [
                "role": .oneOf(roles, reason: .badRole), "shop": .text(maxLength: ShopCode.maxLength), "name": .text(maxLength: DisplayName.maxLength),
                "shops": .items(max: maxShops, each: .text(maxLength: ShopCode.maxLength, nonEmpty: true)),
            ]
            public init(role: String, shop: String? = nil, shops: [String]? = nil, name: String? = nil) {
                self.role = role
                self.shop = shop
                self.shops = shops
                self.name = name
            }

            public func validate() throws(RPCError) {
                if let role = Role(rawValue: role), let problem = role.shopProblem(shop) {
                    throw .invalidParams(problem, field: "shop", reason: shop == nil ? .missingField : .unexpectedField)
                }
                guard let shops else { return }
                if let role = Role(rawValue: role), !role.mayBeShopScoped {
                    throw .invalidParams("only operator and analyst tokens are limited to shops", field: "shops", reason: .unexpectedField)
                }
                if shops.isEmpty { throw .invalidParams("shops names at least one shop", field: "shops", reason: .outOfRange) }
                if let bad = shops.first(where: { ShopCode($0) == nil }) {
                    throw .invalidParams("\(bad) is not a shop code", field: "shops", reason: .badShopCode)
                }
            }
        }

        /// The token's record, and its text: on the wire one object, the record's members then `token`.
        @dynamicMemberLookup
        public struct Result: RPCObject {
            public var record: Record
            /// `crm_` and 52 base32 characters.
            public var token: String
            public init(_ record: Record, token: String) {
                self.record = record
                self.token = token
            }

            public subscript<T>(dynamicMember field: KeyPath<Record, T>) -> T { record[keyPath: field] }

            private enum Keys: String, CodingKey { case token }

            // The record's members and `token` share one object, so the record reads and writes
            // the decoder's own object and `token` is added to it.
            public init(from decoder: any Decoder) throws {
                record = try Record(from: decoder)
                token = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .token)
            }

            public func encode(to encoder: any Encoder) throws {
                try record.encode(to: encoder)
                var object = encoder.container(keyedBy: Keys.self)
                try object.encode(token, forKey: .token)
            }
        }
    }

    /// `token.list`: the tokens, by id, a page at a time.
    public enum List: RPCMethod {
        public static let name = "token.list"
        public static let summary = "Lists the tokens ordered by id (never their text), a page at a time; revoked ones too unless asked not to."

        public struct Params: RPCObject {
            public var cursor: String?
            public var limit: Int?
            /// Default true.
            public var includeRevoked: Bool?
            public static let fieldRules: [String: FieldRule] = ["cursor": Page.cursorRule, "limit": Page.limitRule]
            public init(cursor: String? = nil, limit: Int? = nil, includeRevoked: Bool? = nil) {
                self.cursor = cursor
                self.limit = limit
                self.includeRevoked = includeRevoked
            }
        }

        public struct Result: RPCObject {
            public var tokens: [Record]
            @Present public var nextCursor: String?
            public init(tokens: [Record], nextCursor: String?) {
                self.tokens = tokens
                self.nextCursor = nextCursor
            }
        }
    }

    /// `token.revoke`: ends a token and its sessions; revoking again keeps the first time.
    public enum Revoke: RPCMethod {
        public static let name = "token.revoke"
        public static let summary = "Revokes a token by id; its sessions end. Revoking again keeps the first time."
        public typealias Result = Record

        public struct Params: RPCObject {
            public var id: Int64
            public static let fieldRules: [String: FieldRule] = ["id": .integer(1...Int64.max)]
            public init(id: Int64) { self.id = id }
        }
    }
}

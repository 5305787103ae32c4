import CRMDomain

extension RPC {
    /// Opening a session: the bearer token that says who the connection acts for.
    public enum Session {
        public static let methods: [any RPCMethod.Type] = [Hello.self]
    }
}

extension RPC.Session {
    /// `session.hello`: authenticates the connection with a token; every other method but
    /// `server.health` needs it first.
    public enum Hello: RPCMethod {
        public static let name = "session.hello"
        public static let summary = "Opens (or replaces) the connection's session with an access token; one that fails ends it."

        public struct Params: RPCObject {
            public var token: String
            /// Who is calling (`store-sync/1.0`), for the server's log.
            public var client: String?
            public static let fieldRules: [String: FieldRule] = [
                "token": .text(maxLength: AccessToken.maxLength), "client": .text(maxLength: 100),
            ]
            public init(token: String, client: String? = nil) {
                self.token = token
                self.client = client
            }
        }

        public struct Result: RPCObject {
            /// `crmd/<version>`.
            public var server: String
            /// The protocol's version (1).
            public var `protocol`: Int64
            /// `admin`, `operator`, `analyst` or `agent`.
            public var role: String
            /// The shop an agent token pushes for; null for the other roles.
            @Present public var shop: String?
            /// The shops an operator or analyst token is limited to; absent when it sees the whole base.
            public var shops: [String]?
            public init(server: String, protocol: Int64, role: String, shop: String?, shops: [String]? = nil) {
                self.server = server
                self.protocol = `protocol`
                self.role = role
                self.shop = shop
                self.shops = shops
            }
        }
    }
}

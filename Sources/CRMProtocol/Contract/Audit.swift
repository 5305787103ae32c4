import CRMDomain

extension RPC {
    /// The access audit (docs/privacy.md): every read of unmasked personal data by an operator or
    /// admin, listed for the admin.
    public enum Audit {
        public static let methods: [any RPCMethod.Type] = [List.self]

        /// One read: who, which method, which fields, whom, when.
        public struct Entry: RPCObject {
            public var id: Int64
            public var at: String
            /// The token that read (absent when it was the database's own work).
            @Present public var tokenID: Int64?
            @Present public var tokenName: String?
            public var method: String
            /// The personal fields the read showed (`name`, `phone`, `email`, `birthday`, `address` …).
            public var fields: [String]
            /// How many members the read showed.
            public var memberCount: Int64
            /// The members shown, by id (a page of an export at most).
            public var memberIDs: [MemberID]
            public init(
                id: Int64, at: String, tokenID: Int64?, tokenName: String?, method: String, fields: [String], memberCount: Int64, memberIDs: [MemberID]
            ) {
                self.id = id
                self.at = at
                self.tokenID = tokenID
                self.tokenName = tokenName
                self.method = method
                self.fields = fields
                self.memberCount = memberCount
                self.memberIDs = memberIDs
            }
        }

        /// `audit.list`: the access audit, newest first, a page at a time.
        public enum List: RPCMethod {
            public static let name = "audit.list"
            public static let summary =
                "Lists the reads of unmasked personal data (who, which member, which fields, when), newest first; for one member and/or one token name."

            public struct Params: RPCObject {
                /// Only reads that showed this member (as it was given then; merged members are not followed).
                public var memberID: MemberID?
                /// Only reads by tokens of this name.
                public var token: String?
                public var cursor: String?
                public var limit: Int?
                public static let fieldRules: [String: FieldRule] = [
                    "token": .text(maxLength: DisplayName.maxLength, nonEmpty: true), "cursor": Page.cursorRule, "limit": Page.limitRule,
                ]
                public init(memberID: MemberID? = nil, token: String? = nil, cursor: String? = nil, limit: Int? = nil) {
                    self.memberID = memberID
                    self.token = token
                    self.cursor = cursor
                    self.limit = limit
                }
            }

            public struct Result: RPCObject {
                public var entries: [Entry]
                @Present public var nextCursor: String?
                public init(entries: [Entry], nextCursor: String?) {
                    self.entries = entries
                    self.nextCursor = nextCursor
                }
            }
        }
    }
}

// Params and results of the same shape in several groups, written once. A method names them by
// `typealias Params = …` / `typealias Result = …`, so callers still write `RPC.X.Y.Params(...)`.

extension RPC {
    /// Params naming one member (`points.get`, `level.get`, `tag.get`, `referral.link`, …).
    public struct MemberRef: RPCObject {
        public var memberID: MemberID
        public init(memberID: MemberID) { self.memberID = memberID }
    }

    /// A member's entries of some kind (ledger entries, history events), newest first, a page at a time.
    public struct MemberEntries<Entry: RPCObject>: RPCObject {
        public var memberID: MemberID
        public var entries: [Entry]
        @Present public var nextCursor: String?
        public init(memberID: MemberID, entries: [Entry], nextCursor: String?) {
            self.memberID = memberID
            self.entries = entries
            self.nextCursor = nextCursor
        }
    }
}

extension Page {
    /// Params of a list read a page at a time and nothing else (`shop.list`, `segment.list`).
    public struct Params: RPCObject {
        public var cursor: String?
        public var limit: Int?
        public static let fieldRules: [String: FieldRule] = ["cursor": Page.cursorRule, "limit": Page.limitRule]
        public init(cursor: String? = nil, limit: Int? = nil) {
            self.cursor = cursor
            self.limit = limit
        }
    }

    /// Params of one member's entries read a page at a time (`points.history`, `member.history`).
    public struct MemberParams: RPCObject {
        public var memberID: MemberID
        public var cursor: String?
        public var limit: Int?
        public static let fieldRules: [String: FieldRule] = ["cursor": Page.cursorRule, "limit": Page.limitRule]
        public init(memberID: MemberID, cursor: String? = nil, limit: Int? = nil) {
            self.memberID = memberID
            self.cursor = cursor
            self.limit = limit
        }
    }
}

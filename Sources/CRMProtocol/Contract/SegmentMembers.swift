extension RPC.Segment {
    /// `segment.preview`: how many members a saved segment or a filter holds, and a sample.
    public enum Preview: RPCMethod {
        public static let name = "segment.preview"
        public static let summary = "Counts the members of a saved segment (`name`) or of a `filter`, with a sample of them."

        public struct Params: RPCObject {
            public var name: String?
            /// Checked by the segment filter reader, which names the part at fault.
            public var filter: JSONValue?
            /// Members to show (default 10).
            public var sample: Int?
            public var asOf: String?
            /// The statement's plan instead of the members (admins only).
            public var explain: Bool?
            public static let fieldRules: [String: FieldRule] = [
                "name": nameRule, "sample": .integer(0...Int64(maxSample)), "as_of": AsOf.rule,
            ]
            public init(name: String? = nil, filter: JSONValue? = nil, sample: Int? = nil, asOf: String? = nil, explain: Bool? = nil) {
                self.name = name
                self.filter = filter
                self.sample = sample
                self.asOf = asOf
                self.explain = explain
            }

            public func validate() throws(RPCError) {
                guard (name == nil) != (filter == nil) else { throw .invalidParams("give a saved segment's name or a filter", reason: .oneLookup) }
                try AsOf.check(asOf)
            }
        }

        /// The count and sample, or (`explain`) only the plan.
        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var count: Int64?
            public var asOf: String?
            /// Members as `member.get` shows them, personal data masked for masked roles.
            public var sample: [RPC.Member.Profile]?
            public var plan: String?
            public init(count: Int64, asOf: String, sample: [RPC.Member.Profile]) {
                self.count = count
                self.asOf = asOf
                self.sample = sample
            }

            public init(plan: String) { self.plan = plan }
        }
    }

    /// `segment.export`: a saved segment's members from a snapshot taken at the first page.
    public enum Export: RPCMethod {
        public static let name = "segment.export"
        public static let summary =
            "Exports a saved segment's members page by page from a snapshot taken at the first page (`name`); later pages take `cursor`."

        public struct Params: RPCObject {
            /// The segment (first page); later pages give `cursor` instead.
            public var name: String?
            public var cursor: String?
            /// Members per page (default 1,000).
            public var limit: Int?
            public var asOf: String?
            public static let fieldRules: [String: FieldRule] = [
                "name": nameRule, "cursor": Page.cursorRule, "limit": .integer(1...Int64(maxExportPage)), "as_of": AsOf.rule,
            ]
            public init(name: String? = nil, cursor: String? = nil, limit: Int? = nil, asOf: String? = nil) {
                self.name = name
                self.cursor = cursor
                self.limit = limit
                self.asOf = asOf
            }

            public func validate() throws(RPCError) { try AsOf.check(asOf) }
        }

        public struct Result: RPCObject, ReplicaServed {
            /// Seconds the read replica that served this was behind the primary (absent: served by the primary).
            public var replicaLagSeconds: Double?
            public var exportID: Int64
            public var total: Int64
            public var members: [Row]
            @Present public var nextCursor: String?
            public init(exportID: Int64, total: Int64, members: [Row], nextCursor: String?) {
                self.exportID = exportID
                self.total = total
                self.members = members
                self.nextCursor = nextCursor
            }
        }

        /// One member as exported; personal data masked for masked roles.
        public struct Row: RPCObject {
            public var memberID: MemberID
            @Present public var name: String?
            @Present public var phone: String?
            @Present public var email: String?
            @Present public var gender: String?
            @Present public var region: String?
            @Present public var address: String?
            /// The level's code.
            public var level: String
            public var points: Int64
            public var tags: [String]
            public var createdAt: String
            public init(
                memberID: MemberID, name: String?, phone: String?, email: String?, gender: String?, region: String?, address: String?,
                level: String, points: Int64, tags: [String], createdAt: String
            ) {
                self.memberID = memberID
                self.name = name
                self.phone = phone
                self.email = email
                self.gender = gender
                self.region = region
                self.address = address
                self.level = level
                self.points = points
                self.tags = tags
                self.createdAt = createdAt
            }
        }
    }
}

extension RPC {
    /// Segments: saved member filters, their previews, exports and bulk tagging.
    public enum Segment {
        public static let methods: [any RPCMethod.Type] = [
            Save.self, Get.self, List.self, Delete.self, Preview.self, Export.self, TagMembers.self,
        ]
        /// A segment's name as sent; crmd trims it and refuses an empty one (`bad_name`).
        static let nameRule = FieldRule.text(maxLength: 100)
        /// The most members a preview shows.
        public static let maxSample = 100
        /// The most members one export page holds.
        public static let maxExportPage = 5_000
    }
}

extension RPC.Segment {
    /// A saved segment: its filter is as `segment.save` was given it.
    public struct Saved: RPCObject {
        public var name: String
        @Present public var description: String?
        public var filter: JSONValue
        public var createdAt: String
        public var createdBy: String
        public var updatedAt: String
        public init(name: String, description: String?, filter: JSONValue, createdAt: String, createdBy: String, updatedAt: String) {
            self.name = name
            self.description = description
            self.filter = filter
            self.createdAt = createdAt
            self.createdBy = createdBy
            self.updatedAt = updatedAt
        }
    }

    /// The params of methods that name one saved segment.
    public struct Named: RPCObject {
        public var name: String
        public static let fieldRules: [String: FieldRule] = ["name": nameRule]
        public init(name: String) { self.name = name }
    }

    /// One saved segment.
    public struct One: RPCObject {
        public var segment: Saved
        public init(segment: Saved) { self.segment = segment }
    }

    /// `segment.save`: saves a filter under a name (replacing the segment of that name).
    public enum Save: RPCMethod {
        public static let name = "segment.save"
        public static let summary = "Saves a member filter under a name, replacing the segment of that name."
        public typealias Result = One

        /// `filter` is checked by the segment filter reader, which names the part at fault
        /// (`filter.and[1].rfm.r[0]`).
        public struct Params: RPCObject {
            public var name: String
            public var description: String?
            public var filter: JSONValue
            public static let fieldRules: [String: FieldRule] = ["name": nameRule, "description": .text(maxLength: 500)]
            public init(name: String, description: String? = nil, filter: JSONValue) {
                self.name = name
                self.description = description
                self.filter = filter
            }
        }
    }

    /// `segment.get`: one saved segment.
    public enum Get: RPCMethod {
        public static let name = "segment.get"
        public static let summary = "A saved segment and its filter."
        public typealias Params = Named
        public typealias Result = One
    }

    /// `segment.list`: the saved segments by name, a page at a time.
    public enum List: RPCMethod {
        public static let name = "segment.list"
        public static let summary = "Lists the saved segments by name, a page at a time."

        public typealias Params = Page.Params

        public struct Result: RPCObject {
            public var segments: [Saved]
            @Present public var nextCursor: String?
            public init(segments: [Saved], nextCursor: String?) {
                self.segments = segments
                self.nextCursor = nextCursor
            }
        }
    }

    /// `segment.delete`: deletes a saved segment; tags it gave stay.
    public enum Delete: RPCMethod {
        public static let name = "segment.delete"
        public static let summary = "Deletes a saved segment; the tags it gave stay."
        public typealias Params = Named

        public struct Result: RPCObject {
            /// The name of the segment deleted.
            public var deleted: String
            public init(deleted: String) { self.deleted = deleted }
        }
    }

    /// `segment.tag`: puts a defined tag on every member of a saved segment.
    public enum TagMembers: RPCMethod {
        public static let name = "segment.tag"
        public static let summary = "Puts a defined tag on every member of a saved segment, as of now or `as_of`."

        public struct Params: RPCObject {
            public var name: String
            public var tag: String
            public var asOf: String?
            public static let fieldRules: [String: FieldRule] = ["name": nameRule, "tag": RPC.Tag.nameRule, "as_of": AsOf.rule]
            public init(name: String, tag: String, asOf: String? = nil) {
                self.name = name
                self.tag = tag
                self.asOf = asOf
            }

            public func validate() throws(RPCError) { try AsOf.check(asOf) }
        }

        public struct Result: RPCObject {
            public var segment: String
            public var members: Int64
            /// Members who did not carry the tag from this segment before.
            public var added: Int64
            public init(segment: String, members: Int64, added: Int64) {
                self.segment = segment
                self.members = members
                self.added = added
            }
        }
    }
}

import CRMDomain

extension RPC.Notice {
    /// One pulled notice: its fixed fields and, beside them, the fields of its kind's body
    /// (`code`, `points`, `expires_on`...; docs/notices.md lists them by kind). A body field never
    /// hides a fixed one.
    public struct Item: WireScalar, Equatable {
        /// The notice's stable id: its place in the order notices are delivered.
        public var id: Int64
        /// The member to tell (the survivor, if the member was merged since).
        public var memberID: MemberID
        public var kind: String
        /// When its cause happened (RFC 3339).
        public var at: String
        public var marketing: Bool
        /// Where it may be sent: every channel for a service notice, the consented ones for marketing.
        public var channels: [String]
        public var body: JSONObject

        static let fixed = ["id", "member_id", "kind", "at", "marketing", "channels"]

        public init(id: Int64, memberID: MemberID, kind: String, at: String, marketing: Bool, channels: [String], body: JSONObject) {
            self.id = id
            self.memberID = memberID
            self.kind = kind
            self.at = at
            self.marketing = marketing
            self.channels = channels
            self.body = body
        }

        public static func read(_ value: JSONValue, path: String) throws(RPCError) -> Item {
            guard case .object(let o) = value else { throw ValueReader.wrongType(path, "an object", value) }
            guard let id = o["id"]?.int64Value, let kind = o["kind"]?.stringValue, let at = o["at"]?.stringValue,
                let marketing = o["marketing"]?.boolValue, let channels = o["channels"]?.arrayValue?.compactMap(\.stringValue)
            else { throw .invalidParams("\(path) is not a notice", field: path, reason: .wrongType) }
            let member = try MemberID.read(o["member_id"] ?? .null, path: ValueReader.join(path, "member_id"))
            let body = JSONObject(o.filter { !fixed.contains($0.key) }.map { ($0.key, $0.value) })
            return Item(id: id, memberID: member, kind: kind, at: at, marketing: marketing, channels: channels, body: body)
        }

        public var wire: JSONValue {
            var o: JSONObject = [
                "id": .int(id), "member_id": memberID.wire, "kind": .string(kind), "at": .string(at), "marketing": .bool(marketing),
                "channels": .array(channels.map { .string($0) }),
            ]
            for (key, value) in body where !Self.fixed.contains(key) { o[key] = value }
            return .object(o)
        }

        public static var schema: JSONValue {
            [
                "type": "object",
                "required": .array(fixed.map { .string($0) }),
                "properties": [
                    "id": ["type": "integer", "minimum": 1],
                    "member_id": MemberID.schema,
                    "kind": ["type": "string", "enum": .array(NoticeKind.allCases.map { .string($0.rawValue) })],
                    "at": ["type": "string"],
                    "marketing": ["type": "boolean"],
                    "channels": ["type": "array", "items": ["type": "string", "enum": .array(ConsentChannel.words.map { .string($0) })]],
                ],
                "additionalProperties": true,
                "description": "a notice: these fields and its kind's body fields beside them",
            ]
        }

        public static var placeholder: Item {
            Item(id: 1, memberID: MemberID(1), kind: NoticeKind.levelUp.rawValue, at: "2026-01-01T00:00:00.000Z", marketing: false, channels: [], body: [:])
        }
    }
}

import CRMDomain

extension RPC {
    /// Marketing consent per member and channel (docs/notices.md): marketing notices go only
    /// through channels a member said yes to.
    public enum Consent {
        public static let methods: [any RPCMethod.Type] = [Set.self, Get.self]

        /// A member's answer for one channel.
        public struct Answer: RPCObject {
            public var channel: String
            public var granted: Bool
            /// Where the answer came from (`wechat_form`, `store_paper`, `sms_reply`...).
            public var source: String
            public var at: String
            public var actor: String
            public init(channel: String, granted: Bool, source: String, at: String, actor: String) {
                self.channel = channel
                self.granted = granted
                self.source = source
                self.at = at
                self.actor = actor
            }
        }

        /// One change of an answer: `set`, or `merge_fill` / `unmerge_take` by a merge and its undoing.
        public struct Event: RPCObject {
            public var channel: String
            public var kind: String
            public var granted: Bool
            public var source: String
            public var at: String
            public var actor: String
            @Present public var mergeID: Int64?
            public init(channel: String, kind: String, granted: Bool, source: String, at: String, actor: String, mergeID: Int64?) {
                self.channel = channel
                self.kind = kind
                self.granted = granted
                self.source = source
                self.at = at
                self.actor = actor
                self.mergeID = mergeID
            }
        }

        /// `consent.set`: a member's answer for one channel.
        public enum Set: RPCMethod {
            public static let name = "consent.set"
            public static let summary = "Records a member's marketing consent for one channel, with its source."

            public struct Params: RPCObject {
                public var memberID: MemberID
                public var channel: String
                public var granted: Bool
                public var source: String
                public static let fieldRules: [String: FieldRule] = [
                    "channel": .oneOf(ConsentChannel.words, reason: .badConsent), "source": .text(maxLength: 100, nonEmpty: true),
                ]
                public init(memberID: MemberID, channel: String, granted: Bool, source: String) {
                    self.memberID = memberID
                    self.channel = channel
                    self.granted = granted
                    self.source = source
                }
            }

            public struct Result: RPCObject {
                public var memberID: MemberID
                public var answer: Answer
                /// False when the member had already given this answer from this source (nothing was written).
                public var changed: Bool
                public init(memberID: MemberID, answer: Answer, changed: Bool) {
                    self.memberID = memberID
                    self.answer = answer
                    self.changed = changed
                }
            }
        }

        /// `consent.get`: a member's answers, and with `history` how they came to be.
        public enum Get: RPCMethod {
            public static let name = "consent.get"
            public static let summary = "A member's marketing consent by channel (a channel not listed was never answered: no marketing through it)."

            public struct Params: RPCObject {
                public var memberID: MemberID
                public var history: Bool?
                public init(memberID: MemberID, history: Bool? = nil) {
                    self.memberID = memberID
                    self.history = history
                }
            }

            public struct Result: RPCObject {
                public var memberID: MemberID
                public var channels: [Answer]
                /// Channels marketing may go through now.
                public var marketing: [String]
                /// The latest changes first (up to 100), when asked for.
                public var history: [Event]?
                public init(memberID: MemberID, channels: [Answer], marketing: [String], history: [Event]?) {
                    self.memberID = memberID
                    self.channels = channels
                    self.marketing = marketing
                    self.history = history
                }
            }
        }
    }
}

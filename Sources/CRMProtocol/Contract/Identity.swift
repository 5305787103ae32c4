extension RPC {
    /// Identity resolution's match model: trained from the merchant's own accounts, members rescanned
    /// with it, every parameter shown.
    public enum Identity {
        public static let methods: [any RPCMethod.Type] = [Train.self, Rescan.self, ModelGet.self]
    }
}

extension RPC.Identity {
    /// `identity.train`: one batch of a training run.
    public enum Train: RPCMethod {
        public static let name = "identity.train"
        public static let summary =
            "Trains a match model from the accounts, one committed batch per call (the first call starts the run); call again until finished, then the new model is in force."

        public struct Params: RPCObject {
            /// The seed every random choice is drawn from (default: a random one, shown in the result).
            /// The same seed on the same accounts trains the same model.
            public var seed: Int64?
            /// Random pairs of accounts drawn (default 200,000).
            public var pairs: Int?
            /// Accounts whose blocked candidates are collected (default 20,000).
            public var sampledAccounts: Int?
            /// Work per call: random pairs or members (default 2,000; a tenth of it in sampled accounts).
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = [
                "seed": .integer(0...Int64.max), "pairs": .integer(100...10_000_000), "sampled_accounts": .integer(100...1_000_000),
                "limit": .integer(1...10_000),
            ]
            public init(seed: Int64? = nil, pairs: Int? = nil, sampledAccounts: Int? = nil, limit: Int? = nil) {
                self.seed = seed
                self.pairs = pairs
                self.sampledAccounts = sampledAccounts
                self.limit = limit
            }
        }

        public struct Result: RPCObject {
            public var runID: Int64
            /// `random`, `blocked`, `known`, `fit`, or `done`.
            public var phase: String
            /// Work done and in all (pairs, sampled accounts, members, and the fit), for progress.
            public var done: Int64
            public var total: Int64
            public var finished: Bool
            public var seed: Int64
            /// The model the finished run stored (null until then).
            @Present public var modelVersion: Int64?
            public var randomPairs: Int64
            public var blockedPairs: Int64
            public var knownPairs: Int64
            public var sampledAccounts: Int64
            public init(
                runID: Int64, phase: String, done: Int64, total: Int64, finished: Bool, seed: Int64, modelVersion: Int64?, randomPairs: Int64,
                blockedPairs: Int64, knownPairs: Int64, sampledAccounts: Int64
            ) {
                self.runID = runID
                self.phase = phase
                self.done = done
                self.total = total
                self.finished = finished
                self.seed = seed
                self.modelVersion = modelVersion
                self.randomPairs = randomPairs
                self.blockedPairs = blockedPairs
                self.knownPairs = knownPairs
                self.sampledAccounts = sampledAccounts
            }
        }
    }

    /// `identity.rescan`: one batch of a rescan.
    public enum Rescan: RPCMethod {
        public static let name = "identity.rescan"
        public static let summary =
            "Re-resolves stored members with the model in force, one committed batch per call (the first call starts the run): merges and queues exactly as ingest would; call again until finished."

        public struct Params: RPCObject {
            /// Accounts or members per call (default 200).
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = ["limit": .integer(1...10_000)]
            public init(limit: Int? = nil) { self.limit = limit }
        }

        public struct Result: RPCObject {
            public var runID: Int64
            /// `keys` (blocking keys remade by the current rules), `score`, or `done`.
            public var phase: String
            /// Accounts and members gone through, and in all, for progress.
            public var done: Int64
            public var total: Int64
            public var finished: Bool
            /// Accounts whose blocking keys changed.
            public var keysRefreshed: Int64
            /// Live members looked at, merges made, review items opened.
            public var scanned: Int64
            public var merged: Int64
            public var queued: Int64
            public init(
                runID: Int64, phase: String, done: Int64, total: Int64, finished: Bool, keysRefreshed: Int64, scanned: Int64, merged: Int64,
                queued: Int64
            ) {
                self.runID = runID
                self.phase = phase
                self.done = done
                self.total = total
                self.finished = finished
                self.keysRefreshed = keysRefreshed
                self.scanned = scanned
                self.merged = merged
                self.queued = queued
            }
        }
    }

    /// `identity.model.get`: a match model with every parameter.
    public enum ModelGet: RPCMethod {
        public static let name = "identity.model.get"
        public static let summary =
            "The match model in force (or a given version; 0 is the built-in untrained one): every m, u and weight, and how it was trained."

        public struct Params: RPCObject {
            public var version: Int64?
            public static let fieldRules: [String: FieldRule] = ["version": .integer(0...Int64.max)]
            public init(version: Int64? = nil) { self.version = version }
        }

        public struct Result: RPCObject {
            public var version: Int64
            /// Whether this is the model ingest scores with now.
            public var current: Bool
            @Present public var createdAt: String?
            @Present public var createdBy: String?
            @Present public var seed: Int64?
            /// λ, the prior probability that two accounts are one person, and its log2 odds.
            public var prior: Double
            public var priorBits: Double
            /// The least frequency a name's agreement is scored with (its rarest names).
            public var termFrequencyFloor: Double
            /// Per field (`name`, `birthday`, `address`, `region`, `phone`), its levels strongest first.
            public var fields: WireMap<Field>
            /// What the training drew (pairs, accounts) and how its EM runs went; empty for version 0.
            public var report: JSONValue
            public init(
                version: Int64, current: Bool, createdAt: String?, createdBy: String?, seed: Int64?, prior: Double, priorBits: Double,
                termFrequencyFloor: Double, fields: WireMap<Field>, report: JSONValue
            ) {
                self.version = version
                self.current = current
                self.createdAt = createdAt
                self.createdBy = createdBy
                self.seed = seed
                self.prior = prior
                self.priorBits = priorBits
                self.termFrequencyFloor = termFrequencyFloor
                self.fields = fields
                self.report = report
            }
        }

        /// A field's comparison levels.
        public struct Field: RPCObject {
            public var levels: [Level]
            /// The levels whose `u` is the name's own frequency when it is known (name only).
            public var termFrequencyLevels: [String]?
            public init(levels: [Level], termFrequencyLevels: [String]?) {
                self.levels = levels
                self.termFrequencyLevels = termFrequencyLevels
            }
        }

        /// One level: how often matches (`m`) and non-matches (`u`) reach it, and the bits agreement at
        /// it adds to a pair's weight (log2 m/u).
        public struct Level: RPCObject {
            public var level: String
            public var m: Double
            public var u: Double
            public var bits: Double
            public init(level: String, m: Double, u: Double, bits: Double) {
                self.level = level
                self.m = m
                self.u = u
                self.bits = bits
            }
        }
    }
}

/// What `EMTrainer` learns from, drawn from the members by storage with a seed: comparison
/// patterns counted, never the records themselves.
public struct TrainingSample: Sendable, Equatable {
    /// A candidate pair's comparison and the blocking rules that found it (`BlockingRule.bit`s).
    public struct Pattern: Hashable, Sendable {
        public var vector: ComparisonVector
        public var rules: UInt8

        public init(vector: ComparisonVector, rules: UInt8) {
            self.vector = vector
            self.rules = rules
        }
    }

    /// Pairs of accounts drawn at random: almost all of two people, so they give `u`.
    public var random: [ComparisonVector: Int] = [:]
    /// Distinct pairs of accounts of different members that share a blocking key: `m` and the prior
    /// come from these by expectation–maximisation.
    public var blocked: [Pattern: Int] = [:]
    /// Pairs of accounts one member holds because they share a deterministic key (phone, e-mail,
    /// platform id): known to be one person, a training signal for `m`. Their phone is left out.
    public var known: [ComparisonVector: Int] = [:]
    /// Accounts the sample was drawn from (all of them), and those whose candidates were collected
    /// into `blocked`: together they turn the share of matches among blocked pairs into the prior of
    /// a random pair.
    public var accounts: Int = 0
    public var sampledAccounts: Int = 0
    /// Per sampled account, the other members' accounts holding its name, its address.
    public var nameHolders = HolderCounts()
    public var addressHolders = HolderCounts()

    public init() {}

    /// Counts one pair of each kind.
    public mutating func addRandom(_ v: ComparisonVector) { random[v, default: 0] += 1 }
    public mutating func addBlocked(_ v: ComparisonVector, rules: UInt8) { blocked[Pattern(vector: v, rules: rules), default: 0] += 1 }
    public mutating func addKnown(_ v: ComparisonVector) { known[v.without(.phone), default: 0] += 1 }

    /// Adds another sample's counts (a training job collects in batches).
    public mutating func merge(_ other: TrainingSample) {
        random.merge(other.random, uniquingKeysWith: +)
        blocked.merge(other.blocked, uniquingKeysWith: +)
        known.merge(other.known, uniquingKeysWith: +)
        accounts = max(accounts, other.accounts)
        sampledAccounts += other.sampledAccounts
        nameHolders.merge(other.nameHolders)
        addressHolders.merge(other.addressHolders)
    }
}

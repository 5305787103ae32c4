/// The guards against over-merging on deterministic keys, decided here once for both paths that
/// merge on keys: `IdentityResolver` (one account at a time, recording each guard that fires) and
/// `KeyMergeBatch` (in bulk, leaving to the resolver every account a guard would stop). What a
/// guard needs from the database it asks for through a closure, only when it gets that far.
public struct IdentityGuards: Sendable {
    public let policy: IdentityPolicy

    public init(policy: IdentityPolicy) { self.policy = policy }

    /// A guard that fired.
    public enum Fired: Sendable, Equatable {
        /// A placeholder phone, a key the policy blocks, or one on the blocklist.
        case blocked
        /// More accounts hold the key in one shop channel than a person has there.
        case sharedInChannel(accounts: Int, limit: Int)
        /// More accounts hold the key overall than the policy allows.
        case sharedWidely(accounts: Int, limit: Int)
        /// An operator separated the two members.
        case separated
        /// Both sides carry this stronger key kind with different values.
        case priorityConflict(strongerKind: String)

        /// The guard's name, as `identity_flag.guard` records it.
        public var name: String {
            switch self {
            case .blocked: "blocked"
            case .sharedInChannel: "shared_in_channel"
            case .sharedWidely: "shared_widely"
            case .separated: "separated"
            case .priorityConflict: "priority_conflict"
            }
        }
    }

    /// How a key value is used, as the database knows it.
    public struct KeyUse: Sendable, Equatable {
        /// The value is on the merchant's blocklist.
        public var blocklisted: Bool
        /// The most accounts holding it in any one shop channel.
        public var mostInOneShopChannel: Int
        /// Accounts holding it in all (a reader may stop counting past `maxAccountsPerKey` + 1).
        public var accounts: Int

        public init(blocklisted: Bool, mostInOneShopChannel: Int, accounts: Int) {
            self.blocklisted = blocklisted
            self.mostInOneShopChannel = mostInOneShopChannel
            self.accounts = accounts
        }
    }

    /// The guard that stops `key` (normalised) from merging anyone, or nil when it may. `use` is
    /// asked only for a key its value alone does not block.
    public func stop(key: IdentityKey, use: () throws -> KeyUse) rethrows -> Fired? {
        if key.kind == "phone" && PlaceholderKey.isPlaceholderPhone(key.value) { return .blocked }
        if policy.blockedKeys.contains(key) { return .blocked }
        let u = try use()
        if u.blocklisted { return .blocked }
        if u.mostInOneShopChannel > policy.maxAccountsPerKeyPerShopChannel {
            return .sharedInChannel(accounts: u.mostInOneShopChannel, limit: policy.maxAccountsPerKeyPerShopChannel)
        }
        if u.accounts > policy.maxAccountsPerKey { return .sharedWidely(accounts: u.accounts, limit: policy.maxAccountsPerKey) }
        return nil
    }

    /// The guard that stops merging an account (with `keys`, in the resolver's order) into another
    /// member on a key of kind `linking`, or nil when it may. `separated`: whether an operator
    /// separated the two members. A stronger kind vetoes the merge when the account carries it and
    /// the other member carries it too but never with the account's value: `theirValues(kind)` are
    /// the other member's stored values of a kind, `stored(key)` the account's key as stored.
    public func stop(
        mergingOn linking: String, keys: [IdentityKey], separated: () throws -> Bool,
        stored: (IdentityKey) -> String, theirValues: (String) throws -> Set<String>
    ) rethrows -> Fired? {
        if try separated() { return .separated }
        let rank = IdentityKey.rank(linking, policy.keyPriority)
        for stronger in keys where IdentityKey.rank(stronger.kind, policy.keyPriority) < rank {
            let theirs = try theirValues(stronger.kind)
            if !theirs.isEmpty, !theirs.contains(stored(stronger)) { return .priorityConflict(strongerKind: stronger.kind) }
        }
        return nil
    }
}

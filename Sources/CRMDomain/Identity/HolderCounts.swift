/// How many other members' accounts hold each sampled account's value of one field (its name, its
/// address), summed: the moments from which training estimates how far the merchant's values differ
/// in frequency (`EMTrainer.priorAccounts`), and so how soon a value's own count outweighs the average.
public struct HolderCounts: Sendable, Equatable {
    /// Sampled accounts with the field.
    public var accounts: Int = 0
    /// Σ k and Σ k², k the other members' accounts holding the account's value.
    public var sum: Int = 0
    public var squares: Int = 0

    public init(accounts: Int = 0, sum: Int = 0, squares: Int = 0) {
        self.accounts = accounts
        self.sum = sum
        self.squares = squares
    }

    /// Counts one sampled account whose value `k` other members' accounts hold.
    public mutating func add(_ k: Int) {
        accounts += 1
        sum += k
        squares += k * k
    }

    /// Adds another batch's counts.
    public mutating func merge(_ other: HolderCounts) {
        accounts += other.accounts
        sum += other.sum
        squares += other.squares
    }
}

/// How common a name is among the merchant's accounts, as `MatchModel.score` takes it: the share
/// of accounts whose name folds to the same text (for a name in Latin letters, that sound the same).
/// Storage counts the accounts holding the name's blocking key (`PersonFields.nameFrequencyKey`, at
/// most `countCap`) and estimates all accounts.
///
/// A few thousand accounts cannot tell a common name from a rare one: with 3 accounts, two of them
/// one person's, every name would look like a third of the merchant. So the estimate starts from the
/// model's own `u` of an exact name (the average name) as if it had been seen on `priorAccounts`
/// accounts, and the merchant's counts take over as accounts grow past that.
public enum NameFrequency {
    /// Accounts holding one name counted at most, so a name every tenth account carries costs one
    /// bounded index scan: at 1,000,000 accounts a name is known to be at least 1 % common.
    public static let countCap = 10_000
    /// The weight, in accounts, of the model's average name against the merchant's own counts, where
    /// training could not estimate it (`EMTrainer.priorAccounts`) and in the untrained model.
    public static let priorAccounts = 10_000.0

    /// The name's share among accounts. `holders`: accounts holding the name other than the record's
    /// own; `accounts`: all accounts (an estimate; at least `holders + 1`).
    public static func estimate(holders: Int, accounts: Double, model: MatchModel) -> Double {
        estimate(holders: holders, accounts: accounts, average: model.averageFrequency(.name), weight: model.namePriorAccounts)
    }

    /// The share of accounts holding a value held by `holders` others, starting from `average` (the
    /// model's average frequency of the field's values) as if seen on `weight` accounts.
    public static func estimate(holders: Int, accounts: Double, average: Double, weight: Double = priorAccounts) -> Double {
        let total = max(accounts, Double(holders) + 1)
        return (Double(holders) + weight * average) / (total + weight)
    }

    /// The name's share as evidence about one candidate: the candidate's own accounts that hold the
    /// name are left out of `holders`. Whether two records agree on a name by chance is a question about
    /// everyone else; counting the candidate's accounts would make a name that only this person has
    /// look as common as the person's own records are many (three records of one 诸葛明月 made her name
    /// as common as the average name), and would count the very agreement being weighed as evidence
    /// that agreeing is common.
    public static func estimate(holders: Int, candidateHolders: Int, accounts: Double, model: MatchModel) -> Double {
        estimate(holders: max(holders - candidateHolders, 0), accounts: accounts, model: model)
    }
}

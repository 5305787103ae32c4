/// How common an address is among the merchant's accounts, as `MatchModel.score` takes it: the share
/// of accounts at the same address (folded and compact), counted under its blocking key
/// (`PersonFields.addressFrequencyKey`) as a name is under its own (`NameFrequency`), from the model's
/// average (`MatchModel.averageFrequency`) while the accounts are few.
///
/// Two records at one address are a household or one person. Strangers share an address because
/// they live together: an address that no other member holds is strong evidence, one that several
/// members hold (a family, a dormitory, an office) only as strong as its holders make it.
public enum AddressFrequency {
    /// The address's share as evidence about one candidate: `holders` accounts other than the record's
    /// own hold it, `candidateHolders` of them the candidate's, who are left out (whether a stranger
    /// shares this address is a question about everyone else, as for a name).
    public static func estimate(holders: Int, candidateHolders: Int, accounts: Double, model: MatchModel) -> Double {
        NameFrequency.estimate(
            holders: max(holders - candidateHolders, 0), accounts: accounts, average: model.averageFrequency(.address),
            weight: model.addressPriorAccounts)
    }
}

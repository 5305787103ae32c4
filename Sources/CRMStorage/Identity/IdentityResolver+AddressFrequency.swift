import CRMDomain

extension IdentityResolver.Candidates {
    /// The record's address's share among accounts as evidence about one candidate member
    /// (`AddressFrequency`): the member's own accounts found at that address are left out, as for the
    /// name. Nil when the record has no address key (then the exact level's own `u` is used).
    func addressFrequency(_ fields: PersonFields, of member: Int64, model: MatchModel) -> Double? {
        guard let (holders, total) = addressHolders else { return nil }
        let own = accounts.filter { $0.member == member && $0.fields.addressFolded == fields.addressFolded }.count
        return AddressFrequency.estimate(holders: holders, candidateHolders: own, accounts: total, model: model)
    }
}

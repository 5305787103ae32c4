/// The yearly clearing's share of a member's balance, defined once in the SQL that runs it: the
/// clearing (`ExpiryJob.clear`) and its dry run (`ExpiryJob.preview`) both splice this in.
/// `share_percent` of the spendable balance (lots less debt; nothing of a balance at or below
/// zero), rounded down in whole points. `div`, not `/`: `sum` of bigint is numeric, and a fraction
/// left in the share would give the next lot a part of zero.
public enum ClearingShare {
    /// The share as an SQL expression (numeric) over the SQL expressions `balance` and `percent`.
    public static func sql(balance: String, percent: String) -> String {
        "div(GREATEST(\(balance), 0) * \(percent), 100)"
    }
}

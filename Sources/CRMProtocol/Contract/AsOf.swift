import CRMDomain

/// The `as_of` param of segments and reports: the time to evaluate at, RFC 3339 with an offset
/// (default now).
public enum AsOf {
    static let rule = FieldRule.text(maxLength: 40)

    /// Refuses a time that is not RFC 3339 with an offset (`bad_timestamp`).
    static func check(_ asOf: String?) throws(RPCError) {
        guard let asOf, CivilTime.seconds(rfc3339: asOf) == nil else { return }
        throw .invalidParams("as_of must be an RFC 3339 timestamp with an offset", field: "as_of", reason: .badTimestamp)
    }
}

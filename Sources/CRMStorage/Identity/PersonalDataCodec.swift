/// The one place personal fields (phone, e-mail, birthday, address) pass through on their way into
/// and out of the database, and where their lookup keys are made. Today values are stored as
/// normalised text and keys are the normalised values; encryption at rest replaces `seal`/`open`
/// with authenticated encryption and `index` with a keyed hash (a blind index), and nothing else
/// changes: identity resolution only ever compares `index` outputs for equality.
public struct PersonalDataCodec: Sendable {
    public init() {}

    /// What the `*_sealed` column holds for a value.
    public func seal(_ value: String?) -> String? { value }

    /// The value back from a `*_sealed` column.
    public func open(_ stored: String?) -> String? { stored }

    /// The lookup key of a normalised value of `kind` (`phone`, `email`, a platform id kind).
    public func index(kind: String, _ normalized: String) -> String { normalized }

    // MARK: reading sealed columns in SQL

    // Segment filters compare parts of personal fields inside one statement over every member, so
    // they read the `*_sealed` columns in SQL rather than through `open`. These expressions are the
    // only places that do (the address keywords aside, see docs/segments.md): encryption at rest
    // replaces each with a column of keys derived when the value is sealed (a keyed hash of the
    // domain, the birth date's month, day and year), compared with `index` outputs.

    /// The e-mail domain (after `@`, lower-case as stored) of a `email_sealed` column.
    public static func emailDomainSQL(_ column: String) -> String { "split_part(\(column), '@', 2)" }

    /// The birth date (`date`, NULL when none) of a `birthday_sealed` column (`YYYY-MM-DD` as normalised).
    public static func birthDateSQL(_ column: String) -> String { "(\(column))::date" }
}

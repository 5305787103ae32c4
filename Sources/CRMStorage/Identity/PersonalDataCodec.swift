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
}

import CRMPostgres

/// Collects a statement's parameters: every value a caller gives becomes `$n`, never SQL text.
struct SQLBinder {
    private(set) var values: [PostgresValue] = []

    init(_ initial: [PostgresValue] = []) { values = initial }

    /// Adds a value; returns its placeholder (`$3`).
    mutating func bind(_ value: PostgresValue) -> String {
        values.append(value)
        return "$\(values.count)"
    }
}

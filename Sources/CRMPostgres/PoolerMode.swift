/// What sits between crmd and PostgreSQL. A transaction-mode pooler (PgBouncer's `pool_mode =
/// transaction`) hands each transaction — and each statement outside one — to whichever server
/// connection is free, so nothing may outlive a transaction on the server: no named prepared
/// statements, no startup `options`, no session advisory locks.
public enum PoolerMode: String, Sendable, CaseIterable {
    /// crmd talks to PostgreSQL itself (or through a session-mode pooler): statements are prepared
    /// once per connection and the statement timeout is a startup option.
    case none
    /// Through a transaction-mode pooler: statements are unnamed (parsed each time, in the same
    /// round trip), the statement timeout is set at the start of every transaction (`SET LOCAL`),
    /// and migrations run against PostgreSQL directly.
    case transaction

    /// The setting to name in messages (crmd's option and its environment variable).
    public static let settingAdvice = "--database-pooler transaction (CRM_DATABASE_POOLER=transaction)"

    /// Why an error says crmd reached PostgreSQL through a transaction-mode pooler without being told,
    /// or nil when it says nothing of the kind: PgBouncer refusing the startup `options` (unless
    /// told to ignore them), or a prepared statement of this connection missing from, or already on,
    /// the server connection the pooler chose.
    static func mismatch(in error: PostgresError) -> String? {
        if error.kind == .connection, error.message.contains("unsupported startup parameter") {
            return "the server refused a startup parameter (\(error.message))"
        }
        guard let sqlState = error.sqlState, sqlState == "26000" || sqlState == "42P05", error.message.contains("\"crm_") else { return nil }
        return "a prepared statement of this connection was not where it was made (\(error.message))"
    }

    /// `error` reworded to name the setting, when it shows a transaction-mode pooler in between.
    static func explained(_ error: PostgresError) -> PostgresError {
        guard let why = mismatch(in: error) else { return error }
        var clear = error
        clear.message = "\(why): crmd is reaching PostgreSQL through a transaction-mode pooler such as PgBouncer; "
            + "start it with \(settingAdvice), and run crmd migrate against PostgreSQL directly"
        return clear
    }
}

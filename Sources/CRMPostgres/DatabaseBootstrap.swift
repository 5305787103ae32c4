/// Creating a database when it does not exist yet (for the private cluster and for tests).
public enum DatabaseBootstrap {
    /// Connects to the `postgres` maintenance database of the same server and creates `name`
    /// unless it exists. `name` must be a plain identifier.
    public static func createDatabaseIfMissing(_ name: String, configuration: PostgresConfiguration) throws(PostgresError) {
        precondition(
            name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } && !name.isEmpty,
            "database names here are plain identifiers")
        let connection = try PostgresConnection(configuration: configuration.with(database: "postgres"))
        defer { connection.close() }
        let exists = try connection.query("SELECT 1 FROM pg_database WHERE datname = $1", [.text(name)])
        if exists.isEmpty {
            do {
                try connection.query("CREATE DATABASE \(name)")
            } catch  where error.sqlState == "42P04" {
                // Created concurrently by another process: fine.
            }
        }
    }

    /// Drops `name` if it exists (tests clean up after themselves).
    public static func dropDatabase(_ name: String, configuration: PostgresConfiguration) throws(PostgresError) {
        precondition(
            name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } && !name.isEmpty,
            "database names here are plain identifiers")
        let connection = try PostgresConnection(configuration: configuration.with(database: "postgres"))
        defer { connection.close() }
        try connection.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

import CRMPostgres

extension PostgresConnection {
    /// The database's time (the transaction's start inside a transaction), whole seconds since the
    /// epoch, rounded down: every date crmd computes for points and levels is measured by this clock.
    func nowSeconds() throws -> Int64 {
        try queryPrepared("SELECT floor(extract(epoch FROM now()))::bigint", []).single!.decode(at: 0)
    }
}

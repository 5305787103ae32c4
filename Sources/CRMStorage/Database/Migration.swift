/// One numbered schema change from `sql/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        precondition(version > 0, "migration versions start at 1")
        self.version = version
        self.name = name
        self.sql = sql
    }
}

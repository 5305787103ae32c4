import CRMPostgres

/// Where members stand for a token limited to shops (`api_token_shop`): whether the live member
/// (after merges) has an account in one of them.
public struct ShopScope: Sendable {
    let pool: PostgresPool
    /// Merges chain one member into another; a chain longer than this is a broken database.
    static let maxMergeChain = 64

    public init(pool: PostgresPool) { self.pool = pool }

    /// What `memberIDs` are to a token limited to `shops`.
    public enum Standing: Sendable, Equatable {
        /// Every member given is live (or merged into a live member) with an account in the shops.
        case inside
        /// This member (the one given) has no account in the shops.
        case outside(Int64)
        /// This member does not exist: the method answers as it does for anyone.
        case unknown(Int64)
    }

    /// Looks each member up through its merges and checks the live one's accounts' shops.
    public func standing(of memberIDs: [Int64], shops: [String]) async throws -> Standing {
        precondition(!shops.isEmpty, "only a token limited to shops is checked")
        return try await pool.withConnection { c in
            for id in memberIDs {
                switch try Self.inShops(c, memberID: id, shops: shops) {
                case nil: return .unknown(id)
                case false?: return .outside(id)
                case true?: continue
                }
            }
            return .inside
        }
    }

    /// Whether the live member of `memberID` has an account in `shops`; nil when there is no such member.
    public static func inShops(_ c: PostgresConnection, memberID: Int64, shops: [String]) throws -> Bool? {
        let row = try c.query(
            """
            WITH RECURSIVE chain (id, next, depth) AS (
                SELECT id, merged_into, 0 FROM member WHERE id = $1
                UNION ALL
                SELECT m.id, m.merged_into, c.depth + 1 FROM chain c JOIN member m ON m.id = c.next WHERE c.depth < $3
            )
            SELECT EXISTS (
                SELECT 1 FROM chain c JOIN account a ON a.member_id = c.id JOIN shop s ON s.id = a.shop_id
                WHERE c.next IS NULL AND s.code = ANY($2::text[]))
            FROM chain c WHERE c.depth = 0
            """, [.int(memberID), .textArray(shops), .int(Int64(maxMergeChain))]
        ).single
        guard let row else { return nil }
        return try row.decode(Bool.self, at: 0)
    }
}

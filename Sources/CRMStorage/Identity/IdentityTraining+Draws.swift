import CRMDomain
import CRMJSON
import CRMPostgres

/// The random choices of a training, all drawn from its seed: a draw is a point in the accounts' id
/// range (fixed when the run started) and picks the first account at or after it, so the same seed on
/// the same accounts picks the same accounts, in any batch, after any restart. (Ids are dense but for
/// the odd gap; an account after a gap is picked a little more often, which no estimate notices.)
struct TrainingDraws {
    let seed: UInt64
    let minID: Int64
    let maxID: Int64
    /// Accounts when the run started.
    let accounts: Int64

    /// What a draw is for: its own stream of points.
    enum Purpose: UInt64 {
        case randomPair = 1
        case sampledAccount = 2
    }

    init(seed: Int64, params: JSONObject) {
        self.seed = UInt64(bitPattern: seed)
        minID = params["min_id"]?.int64Value ?? 0
        maxID = params["max_id"]?.int64Value ?? 0
        accounts = params["accounts"]?.int64Value ?? 0
    }

    /// Draw `index` of `purpose`.
    func point(_ purpose: Purpose, _ index: Int64) -> Int64 {
        let span = UInt64(max(maxID - minID + 1, 1))
        let bits = SplitMix64.mix(seed ^ SplitMix64.mix(purpose.rawValue &* 0x9E37_79B9_7F4A_7C15 ^ SplitMix64.mix(UInt64(bitPattern: index))))
        return minID + Int64(bits % span)
    }

    /// The account at or after each point (nil past the last one), in order.
    static func accounts(_ c: PostgresConnection, at points: [Int64]) throws -> [Int64?] {
        guard !points.isEmpty else { return [] }
        return try c.queryPrepared(
            """
            SELECT (SELECT a.id FROM account a WHERE a.id >= t.x ORDER BY a.id LIMIT 1) FROM unnest($1::bigint[]) WITH ORDINALITY AS t(x, n) ORDER BY t.n
            """, [.intArray(points)]
        ).map { try $0.decode(Int64?.self, at: 0) }
    }

    /// Chooses up to `wanted` accounts for the blocked phase (every account when there are no more)
    /// into `identity_job_account`; returns how many.
    func chooseSampledAccounts(_ c: PostgresConnection, job: Int64, wanted: Int) throws -> Int64 {
        if accounts <= Int64(wanted) {
            return try c.queryPrepared(
                "WITH ins AS (INSERT INTO identity_job_account (job_id, account_id) SELECT $1, id FROM account RETURNING 1) SELECT count(*) FROM ins",
                [.int(job)]
            ).single!.decode(at: 0)
        }
        // Draws in order until `wanted` distinct accounts (or four draws each) are found.
        var chosen = Set<Int64>()
        var drawn: Int64 = 0
        while chosen.count < wanted && drawn < 4 * Int64(wanted) {
            let points = (drawn..<drawn + 2 * Int64(wanted - chosen.count)).map { point(.sampledAccount, $0) }
            drawn += Int64(points.count)
            for case let id? in try Self.accounts(c, at: points) where chosen.count < wanted { chosen.insert(id) }
        }
        try c.queryPrepared(
            "INSERT INTO identity_job_account (job_id, account_id) SELECT $1, unnest($2::bigint[])", [.int(job), .intArray(chosen.sorted())])
        return Int64(chosen.count)
    }
}

import CRMDomain
import CRMJSON
import CRMPostgres

/// Where a training or a rescan stands (`identity.train`, `identity.rescan`), as each batch leaves it.
public struct IdentityJobProgress: Sendable {
    public var jobID: Int64
    /// `train` or `rescan`.
    public var kind: String
    /// The step the run is at: a training `random`, `blocked`, `known`, `fit`; a rescan `keys`, `score`;
    /// `done` once finished.
    public var phase: String
    /// Units of work done and in all (pairs, sampled accounts, members, accounts), for progress.
    public var done: Int64
    public var total: Int64
    public var finished: Bool
    /// A training's seed.
    public var seed: Int64?
    /// The model a finished training stored.
    public var modelVersion: Int64?
    /// What the run counted so far, by name (a training: `random_pairs`, `blocked_pairs`, `known_pairs`,
    /// `sampled_accounts`; a rescan: `keys_refreshed`, `scanned`, `merged`, `queued`).
    public var counts: [(String, Int64)]
}

/// One row of `identity_job`: a training or a rescan, advanced one committed batch per call. Every
/// call takes the kind's advisory lock first, so concurrent callers take turns and at most one run of a
/// kind is ever started.
struct IdentityJob {
    static let lockSpace: Int32 = 0x69646a62  // "idjb"

    var id: Int64
    var kind: String
    var seed: Int64?
    var params: JSONObject
    var phase: String
    var cursor: Int64
    var doneUnits: Int64
    var totalUnits: Int64
    var state: JSONObject
    var finished = false
    var modelVersion: Int64? = nil

    /// Serialises the calls of one kind until the transaction ends.
    static func lock(_ c: PostgresConnection, kind: String) throws {
        try c.queryPrepared("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [.int(Int64(lockSpace)), .text(kind)])
    }

    /// The run of `kind` under way, if any.
    static func running(_ c: PostgresConnection, kind: String) throws -> IdentityJob? {
        try c.queryPrepared(
            """
            SELECT id, seed, params::text, phase, cursor, done_units, total_units, state::text
            FROM identity_job WHERE kind = $1 AND status = 'running'
            """, [.text(kind)]
        ).single.map { row in
            IdentityJob(
                id: try row.decode(at: 0), kind: kind, seed: try row.decode(at: 1), params: try object(try row.decode(at: 2)),
                phase: try row.decode(at: 3), cursor: try row.decode(at: 4), doneUnits: try row.decode(at: 5), totalUnits: try row.decode(at: 6),
                state: try object(try row.decode(at: 7)))
        }
    }

    /// Starts a run of `kind` at `phase`.
    static func start(
        _ c: PostgresConnection, kind: String, seed: Int64?, params: JSONObject, phase: String, total: Int64, state: JSONObject, actor: String
    ) throws -> IdentityJob {
        let id: Int64 = try c.queryPrepared(
            """
            INSERT INTO identity_job (kind, seed, params, phase, total_units, state, actor) VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, $7) RETURNING id
            """,
            [
                .text(kind), seed.map(PostgresValue.int) ?? .null, .text(JSONSerializer.canonicalObject(params)), .text(phase), .int(total),
                .text(JSONSerializer.canonicalObject(state)), .text(actor),
            ]
        ).single!.decode(at: 0)
        return IdentityJob(id: id, kind: kind, seed: seed, params: params, phase: phase, cursor: 0, doneUnits: 0, totalUnits: total, state: state)
    }

    /// Writes where the run stands, in the batch's transaction.
    func save(_ c: PostgresConnection) throws {
        try c.queryPrepared(
            """
            UPDATE identity_job SET phase = $2, cursor = $3, done_units = $4, total_units = $5, state = $6::jsonb, model_version = $7,
                   status = CASE WHEN $8 THEN 'done' ELSE 'running' END, finished_at = CASE WHEN $8 THEN now() END, updated_at = now()
            WHERE id = $1
            """,
            [
                .int(id), .text(phase), .int(cursor), .int(doneUnits), .int(totalUnits), .text(JSONSerializer.canonicalObject(state)),
                modelVersion.map(PostgresValue.int) ?? .null, .bool(finished),
            ])
    }

    /// Moves on to `next` phase with the cursor back at the start.
    mutating func enter(_ next: String) {
        phase = next
        cursor = 0
    }

    /// A count kept in `state`.
    func count(_ name: String) -> Int64 { state[name]?.int64Value ?? 0 }

    mutating func add(_ name: String, _ n: Int64) { state[name] = .int(count(name) + n) }

    /// The progress callers see, with the named counts of `state`.
    func progress(counts names: [String]) -> IdentityJobProgress {
        IdentityJobProgress(
            jobID: id, kind: kind, phase: finished ? "done" : phase, done: min(doneUnits, totalUnits), total: totalUnits, finished: finished,
            seed: seed, modelVersion: modelVersion, counts: names.map { ($0, count($0)) })
    }

    private static func object(_ text: String) throws -> JSONObject {
        guard let object = try JSONParser.parse(text).objectValue else { preconditionFailure("identity_job holds JSON that is not an object") }
        return object
    }
}

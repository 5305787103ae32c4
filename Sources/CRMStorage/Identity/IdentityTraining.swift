import CRMDomain
import CRMJSON
import CRMPostgres

/// Training a match model from the merchant's own accounts (`identity.train`, docs/identity.md), one
/// committed batch per call: the run's row keeps its phase, its cursor and the `TrainingSample` drawn
/// so far, so a run stopped anywhere (crmd killed included) goes on where it stopped when asked again
/// and stores its model once. Phases, each drawn from the seed:
/// - `random`: pairs of accounts drawn at random (`u`);
/// - `blocked`: for a sample of accounts, every other account (of any member) sharing a blocking key with
///   it (keys held by more than `maxCandidatesPerBlock` accounts are passed over, as at ingest), each
///   such pair once with the rules of the keys it shares (`m` and the prior, by EM);
/// - `known`: pairs of one member's accounts that share a deterministic key (known matches);
/// - `fit`: `EMTrainer.train` and `IdentityModelStore.save`.
/// The same seed on the same accounts draws the same sample and so trains the same model.
public struct IdentityTraining: Sendable {
    let pool: PostgresPool
    let codec: PersonalDataCodec

    static let kind = "train"
    /// Random pairs drawn unless asked otherwise.
    public static let defaultPairs = 200_000
    /// Accounts whose blocked candidates are collected, at most.
    public static let defaultSampledAccounts = 20_000
    /// Accounts of one member paired for known matches, at most (a member of hundreds of accounts is a
    /// shared key gone wrong, not a person).
    static let knownAccountsPerMember = 20
    /// Work units one call does by default: random pairs, members (known), a tenth of it in sampled accounts.
    public static let defaultBatch = 2_000
    static let counts = ["random_pairs", "blocked_pairs", "known_pairs", "sampled_accounts"]
    /// Fewer accounts than this have nothing to learn from.
    public static let minimumAccounts: Int64 = 100

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    /// One step of the training: starts a run when none is under way (with `seed`, or a random one),
    /// else does its next batch. A run under way is refused to a caller naming another seed or
    /// number of pairs (`job_running`).
    public func step(
        seed: Int64?, pairs: Int?, sampledAccounts: Int?, limit: Int, policy: IdentityPolicy, actor: String
    ) async throws
        -> IdentityJobProgress
    {
        let codec = self.codec
        return try await pool.withTransaction { c in
            try IdentityJob.lock(c, kind: Self.kind)
            guard var job = try IdentityJob.running(c, kind: Self.kind) else {
                let started = try Self.start(
                    c, seed: seed ?? Int64.random(in: 1...Int64.max), pairs: pairs ?? Self.defaultPairs,
                    sampled: sampledAccounts ?? Self.defaultSampledAccounts, actor: actor)
                return started.progress(counts: Self.counts)
            }
            try Self.refuseOther(job, seed: seed, pairs: pairs, sampled: sampledAccounts)
            var batch = try TrainingBatch(c: c, codec: codec, policy: policy, job: job)
            try batch.run(limit: limit)
            job = batch.job
            if job.phase == "fit" { try Self.fit(c, &job, actor: actor) }
            try job.save(c)
            return job.progress(counts: Self.counts)
        }
    }

    static func refuseOther(_ job: IdentityJob, seed: Int64?, pairs: Int?, sampled: Int?) throws {
        let asked = job.params
        guard
            (seed == nil || seed == job.seed) && (pairs == nil || Int64(pairs!) == asked["pairs"]?.int64Value)
                && (sampled == nil || Int64(sampled!) == asked["sampled_accounts"]?.int64Value)
        else {
            throw StorageError.conflict(
                reason: .jobRunning,
                message: "training \(job.id) with seed \(job.seed ?? 0) and \(asked["pairs"]?.int64Value ?? 0) pairs is under way: "
                    + "run it again with the same options (or none) to finish it first")
        }
    }

    /// Starts a run: what it will draw from (the accounts' id range, how many there are) is fixed now,
    /// and the sampled accounts are chosen.
    static func start(_ c: PostgresConnection, seed: Int64, pairs: Int, sampled: Int, actor: String) throws -> IdentityJob {
        let range = try c.queryPrepared("SELECT count(*), COALESCE(min(id), 0), COALESCE(max(id), 0) FROM account", []).single!
        let accounts: Int64 = try range.decode(at: 0)
        // A model from no pairs would replace the untrained one with nothing learnt.
        guard accounts >= minimumAccounts else {
            throw StorageError.conflict(reason: .conflict, message: "there are \(accounts) accounts: training needs at least \(minimumAccounts)")
        }
        let params: JSONObject = [
            "pairs": .int(Int64(pairs)), "sampled_accounts": .int(Int64(sampled)), "accounts": .int(accounts),
            "min_id": .int(try range.decode(Int64.self, at: 1)), "max_id": .int(try range.decode(Int64.self, at: 2)),
        ]
        var sample = TrainingSample()
        sample.accounts = Int(accounts)
        var job = try IdentityJob.start(
            c, kind: kind, seed: seed, params: params, phase: "random", total: 0, state: ["sample": .object(sample.json)], actor: actor)
        let chosen = try TrainingDraws(seed: seed, params: params).chooseSampledAccounts(c, job: job.id, wanted: sampled)
        let severalAccounts: Int64 = try c.queryPrepared(
            "SELECT count(*) FROM (SELECT 1 FROM account GROUP BY member_id HAVING count(*) > 1) m", []
        ).single!.decode(at: 0)
        job.totalUnits = Int64(pairs) + chosen + severalAccounts + 1
        try job.save(c)
        return job
    }

    /// Trains the model from the whole sample and stores it; the run is done.
    static func fit(_ c: PostgresConnection, _ job: inout IdentityJob, actor: String) throws {
        let sample = try TrainingBatch.sample(of: job)
        let (model, report) = EMTrainer.train(sample, version: 0)
        let saved = try IdentityModelStore.save(
            c, model, seed: UInt64(bitPattern: job.seed ?? 0), report: Self.report(report, sample, job: job), createdBy: actor)
        try c.queryPrepared("DELETE FROM identity_job_account WHERE job_id = $1", [.int(job.id)])
        job.modelVersion = saved.version
        job.doneUnits = job.totalUnits
        job.finished = true
    }

    /// What `identity_model.report` keeps of a training: what it was drawn from and how EM went.
    static func report(_ r: EMTrainer.Report, _ sample: TrainingSample, job: IdentityJob) -> JSONObject {
        [
            "job_id": .int(job.id), "accounts": .int(sample.accounts), "sampled_accounts": .int(sample.sampledAccounts),
            "random_pairs": .int(r.randomPairs), "blocked_pairs": .int(r.blockedPairs), "known_pairs": .int(r.knownPairs),
            "blocked_prior": .double(r.blockedPrior),
            "term_frequency_prior_accounts": .object(["name": .double(r.namePriorAccounts), "address": .double(r.addressPriorAccounts)]),
            "runs": .array(
                r.runs.map { run in
                    .object([
                        "rule": .string(run.rule), "pairs": .int(run.pairs), "iterations": .int(run.iterations), "converged": .bool(run.converged),
                        "prior": .double(run.prior),
                    ])
                }),
        ]
    }
}

import CRMDomain
import CRMProtocol
import CRMStorage

/// The match model's methods: `identity.train`, `identity.rescan` (admin jobs, one batch per call)
/// and `identity.model.get`.
enum IdentityMethods {
    typealias Identity = RPC.Identity

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Identity.Train.self, access: .admin, scope: .merchantWide) { p, call in
                let training = IdentityTraining(pool: context.pool, codec: context.codec)
                let r = try await training.step(
                    seed: p.seed, pairs: p.pairs, sampledAccounts: p.sampledAccounts, limit: p.limit ?? IdentityTraining.defaultBatch,
                    policy: try await context.identityPolicy(), actor: call.actor)
                if r.finished {
                    context.logger.notice(
                        "match model trained",
                        metadata: ["request": "\(call.requestID)", "run": "\(r.jobID)", "seed": "\(r.seed ?? 0)", "version": "\(r.modelVersion ?? 0)"])
                }
                let n = counts(r)
                return Identity.Train.Result(
                    runID: r.jobID, phase: r.phase, done: r.done, total: r.total, finished: r.finished, seed: r.seed ?? 0, modelVersion: r.modelVersion,
                    randomPairs: n["random_pairs"] ?? 0, blockedPairs: n["blocked_pairs"] ?? 0, knownPairs: n["known_pairs"] ?? 0,
                    sampledAccounts: n["sampled_accounts"] ?? 0)
            },
            MethodSpec(Identity.Rescan.self, access: .admin, scope: .merchantWide) { p, call in
                let rescan = IdentityRescan(pool: context.pool, codec: context.codec)
                let r = try await rescan.step(
                    limit: p.limit ?? IdentityRescan.defaultBatch, policy: try await context.identityPolicy(), loyalty: try await context.loyaltyPolicy(),
                    actor: call.actor)
                let n = counts(r)
                if r.finished {
                    context.logger.notice(
                        "members rescanned",
                        metadata: [
                            "request": "\(call.requestID)", "run": "\(r.jobID)", "scanned": "\(n["scanned"] ?? 0)", "merged": "\(n["merged"] ?? 0)",
                            "queued": "\(n["queued"] ?? 0)",
                        ])
                }
                return Identity.Rescan.Result(
                    runID: r.jobID, phase: r.phase, done: r.done, total: r.total, finished: r.finished, keysRefreshed: n["keys_refreshed"] ?? 0,
                    scanned: n["scanned"] ?? 0, merged: n["merged"] ?? 0, queued: n["queued"] ?? 0)
            },
            MethodSpec(Identity.ModelGet.self, access: .read, scope: .merchantWide) { p, _ in
                let training = IdentityTraining(pool: context.pool, codec: context.codec)
                let stored = try await training.model(version: p.version)
                let current = p.version == nil ? true : try await training.model(version: nil).model.version == stored.model.version
                return render(stored, current: current)
            },
        ]
    }

    static func counts(_ r: IdentityJobProgress) -> [String: Int64] {
        Dictionary(r.counts, uniquingKeysWith: { a, _ in a })
    }

    /// Every parameter of a stored model, as `MatchModel.json` lays them out.
    static func render(_ stored: StoredMatchModel, current: Bool) -> Identity.ModelGet.Result {
        let json = stored.model.json
        let fields = MatchField.allCases.map { field -> (name: String, value: Identity.ModelGet.Field) in
            let entry = json["fields"]?[field.rawValue]
            let levels = (entry?["levels"]?.arrayValue ?? []).map { level in
                Identity.ModelGet.Level(
                    level: level["level"]?.stringValue ?? "", m: level["m"]?.doubleValue ?? 0, u: level["u"]?.doubleValue ?? 0,
                    bits: level["bits"]?.doubleValue ?? 0)
            }
            let tf = entry?["term_frequency_levels"]?.arrayValue?.compactMap(\.stringValue)
            return (field.rawValue, Identity.ModelGet.Field(levels: levels, termFrequencyLevels: tf))
        }
        return Identity.ModelGet.Result(
            version: stored.model.version, current: current, createdAt: stored.createdAt, createdBy: stored.createdBy, seed: stored.seed,
            prior: stored.model.prior, priorBits: json["prior_bits"]?.doubleValue ?? 0, termFrequencyFloor: stored.model.termFrequencyFloor,
            fields: WireMap(fields), report: .object(stored.report))
    }
}

import CRMDomain
import CRMJSON
import CRMPostgres

/// A match model as `identity.model.get` shows it: the parameters and how it came to be.
public struct StoredMatchModel: Sendable {
    /// Every parameter, the version among them (0: the built-in untrained model).
    public var model: MatchModel
    /// When and by whom it was trained, from which seed, and the training's report; nil and empty for
    /// the untrained model.
    public var createdAt: String?
    public var createdBy: String?
    public var seed: Int64?
    public var report: JSONObject
}

extension IdentityTraining {
    /// The model of `version` (nil: the one in force; 0: the untrained one).
    public func model(version: Int64?) async throws -> StoredMatchModel {
        try await pool.withConnection { c in
            let chosen: Int64
            if let version {
                chosen = version
            } else {
                chosen = try c.queryPrepared("SELECT COALESCE(max(version), 0) FROM identity_model", []).single!.decode(at: 0)
            }
            if chosen == 0 { return StoredMatchModel(model: .untrained, createdAt: nil, createdBy: nil, seed: nil, report: [:]) }
            guard
                let row = try c.queryPrepared(
                    "SELECT crm_rfc3339(created_at), created_by, seed, report::text FROM identity_model WHERE version = $1", [.int(chosen)]
                ).single, let model = try IdentityModelStore.load(c, version: chosen)
            else {
                throw StorageError.notFound(reason: .notFound, message: "no match model version \(chosen)")
            }
            return StoredMatchModel(
                model: model, createdAt: try row.decode(at: 0), createdBy: try row.decode(at: 1), seed: try row.decode(at: 2),
                report: try JSONParser.parse(try row.decode(String.self, at: 3)).objectValue ?? [:])
        }
    }
}

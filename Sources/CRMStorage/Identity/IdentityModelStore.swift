import CRMDomain
import CRMJSON
import CRMPostgres
import Synchronization

/// The match model in force: the newest row of `identity_model`, or `MatchModel.untrained` when
/// none was trained. Parsed models are kept per process by version, so a push pays one indexed
/// read of the newest version, not a parse.
public enum IdentityModelStore {
    /// The model last read, with when it was stored: a version number alone could name another
    /// database's model in a process that serves several (the tests).
    private static let cache = Mutex<(model: MatchModel, stored: String)?>(nil)

    /// The current model, read inside the caller's transaction (a push resolves with the model that
    /// was current when it began resolving).
    public static func current(_ c: PostgresConnection) throws -> MatchModel {
        guard let row = try c.queryPrepared("SELECT version, created_at::text FROM identity_model ORDER BY version DESC LIMIT 1", []).single else {
            return .untrained
        }
        let version: Int64 = try row.decode(at: 0)
        let stored: String = try row.decode(at: 1)
        if let cached = cache.withLock({ $0 }), cached.model.version == version, cached.stored == stored { return cached.model }
        let model = try load(c, version: version)!
        cache.withLock { $0 = (model, stored) }
        return model
    }

    /// A stored model by version (0: the untrained one), or nil when there is none.
    public static func load(_ c: PostgresConnection, version: Int64) throws -> MatchModel? {
        if version == 0 { return .untrained }
        guard let row = try c.queryPrepared("SELECT parameters::text FROM identity_model WHERE version = $1", [.int(version)]).single else {
            return nil
        }
        guard let json = try JSONParser.parse(try row.decode(String.self, at: 0)).objectValue else {
            preconditionFailure("identity_model \(version) holds parameters that are not an object")
        }
        do {
            var model = try MatchModel(json: json)
            model.version = version
            return model
        } catch {
            preconditionFailure("identity_model \(version) no longer parses: \(error)")
        }
    }

    /// Stores a trained model as the new current one and returns it with its version.
    public static func save(_ c: PostgresConnection, _ model: MatchModel, seed: UInt64, report: JSONObject, createdBy: String) throws -> MatchModel {
        let version: Int64 = try c.queryPrepared(
            "INSERT INTO identity_model (created_by, seed, parameters, report) VALUES ($1, $2, $3::jsonb, $4::jsonb) RETURNING version",
            [.text(createdBy), .int(Int64(bitPattern: seed)), .text(JSONSerializer.canonicalObject(model.json)), .text(JSONSerializer.canonicalObject(report))]
        ).single!.decode(at: 0)
        var saved = model
        saved.version = version
        return saved
    }
}

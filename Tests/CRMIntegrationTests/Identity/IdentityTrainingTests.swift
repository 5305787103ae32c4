import CRMClient
import CRMDomain
import CRMJSON
import CRMProtocol
import Testing

/// `identity.train` and `identity.model.get` over the real server.
@Suite("training the match model")
struct IdentityTrainingTests {
    /// Calls `identity.train` until the run is finished; returns the last result.
    static func train(_ client: RPCClient, _ params: JSONObject) async throws -> JSONValue {
        var r = try await client.call("identity.train", .object(params))
        for _ in 0..<10_000 where r["finished"] != true {
            var next = params
            next["seed"] = r["seed"]
            r = try await client.call("identity.train", .object(next))
        }
        return r
    }

    /// What two trainings must agree on: every parameter, and what the report says was drawn.
    static func parameters(_ model: JSONValue) -> [JSONValue?] {
        var report = model["report"]?.objectValue ?? [:]
        report["job_id"] = nil
        return [model["prior"], model["term_frequency_floor"], model["fields"], .object(report)]
    }

    @Test("the same seed on the same accounts trains the same parameters; the run draws every kind of pair and stores one model")
    func reproducible() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            try await IdentityPeople.pushTrainingPeople(admin, count: 240)
            let params: JSONObject = ["seed": 7, "pairs": 3_000, "sampled_accounts": 100, "limit": 700]
            let first = try await Self.train(admin, params)
            #expect(first["phase"] == "done" && first["model_version"] == 1 && first["seed"] == 7)
            #expect(first["done"] == first["total"])
            let accounts = try await server.database.scalar("SELECT count(*) FROM account")
            #expect(first["random_pairs"]!.int64Value! > 2_900, "pairs of an account with itself are the only ones left out")
            #expect(first["sampled_accounts"]!.int64Value! == 100)
            #expect(first["blocked_pairs"]!.int64Value! > 0)
            // Every third person holds two accounts by a shared phone: one known match each.
            #expect(first["known_pairs"] == .int(80))
            #expect(try await server.database.scalar("SELECT count(*) FROM identity_job_account") == 0)
            let second = try await Self.train(admin, params)
            #expect(second["model_version"] == 2)
            let one = try await admin.call("identity.model.get", ["version": 1])
            let two = try await admin.call("identity.model.get", ["version": 2])
            #expect(Self.parameters(one) == Self.parameters(two))
            #expect(one["seed"] == 7 && one["current"] == false && two["current"] == true)
            #expect(one["report"]?["accounts"] == .int(Int64(accounts)))
            // Another seed draws other pairs.
            var other = params
            other["seed"] = 8
            let third = try await Self.train(admin, other)
            let three = try await admin.call("identity.model.get", ["version": third["model_version"]!])
            #expect(three["report"]?["blocked_pairs"] != one["report"]?["blocked_pairs"] || Self.parameters(three) != Self.parameters(one))
            #expect(try await server.database.scalar("SELECT count(*) FROM identity_model") == 3)
            await admin.close()
        }
    }

    @Test("a run under way goes on with a call naming no seed and refuses one naming another")
    func oneRunAtATime() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            try await IdentityPeople.pushTrainingPeople(admin, count: 80)
            let started = try await admin.call("identity.train", ["seed": 9, "pairs": 1_000, "limit": 100])
            #expect(started["finished"] == false && started["phase"] == "random" && started["done"] == 0)
            let refused = await rpcError { try await admin.call("identity.train", ["seed": 10]) }
            #expect(refused?.reason == "job_running", "\(String(describing: refused))")
            #expect(await rpcError { try await admin.call("identity.train", ["seed": 9, "pairs": 2_000]) }?.reason == "job_running")
            let next = try await admin.call("identity.train", ["limit": 100])
            #expect(next["run_id"] == started["run_id"] && next["done"] == 100)
            let done = try await Self.train(admin, [:])
            #expect(done["run_id"] == started["run_id"] && done["seed"] == 9 && done["random_pairs"]!.int64Value! > 950)
            let operatorToken = try await server.token(role: .operator)
            let op = try await server.client(token: operatorToken)
            #expect(await rpcError { try await op.call("identity.train", [:]) }?.reason == "role_forbidden")
            await op.close()
            await admin.close()
        }
    }

    @Test("identity.model.get shows every field and level, the untrained model as version 0, to readers")
    func modelGet() async throws {
        try await withTestServer { server in
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            let model = try await analyst.call("identity.model.get")
            #expect(model["version"] == 0 && model["current"] == true && model["seed"] == .null && model["created_at"] == .null)
            #expect(model["report"] == .object([:]))
            let fields = try #require(model["fields"]?.objectValue)
            #expect(fields.keys == MatchField.allCases.map(\.rawValue))
            let untrained = MatchModel.untrained
            for field in MatchField.allCases {
                let levels = try #require(fields[field.rawValue]?["levels"]?.arrayValue)
                #expect(levels.compactMap { $0["level"]?.stringValue } == field.levels)
                for (i, level) in levels.enumerated() {
                    #expect(level["m"]?.doubleValue == untrained.m[field.index][i])
                    #expect(level["u"]?.doubleValue == untrained.u[field.index][i])
                    #expect(level["bits"]?.doubleValue != nil)
                }
            }
            #expect(fields["name"]?["term_frequency_levels"] == ["exact", "script", "pinyin"])
            #expect(model["prior"]?.doubleValue == untrained.prior && model["prior_bits"]?.doubleValue != nil)
            #expect(try await analyst.call("identity.model.get", ["version": 0]) == model)
            #expect(await rpcError { try await analyst.call("identity.model.get", ["version": 3]) }?.reason == "not_found")
            #expect(await rpcError { try await analyst.call("identity.rescan") }?.reason == "role_forbidden")
            // Nothing to learn from: the untrained model stays.
            let admin = try await server.adminClient()
            #expect(await rpcError { try await admin.call("identity.train") }?.reason == "conflict")
            #expect(try await server.database.scalar("SELECT count(*) FROM identity_job") == 0)
            await admin.close()
            await analyst.close()
        }
    }
}

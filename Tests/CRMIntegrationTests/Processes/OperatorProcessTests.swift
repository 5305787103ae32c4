import CRMClient
import CRMJSON
import CRMProtocol
import Foundation
import Testing

/// What an operator types: `crmctl config`, `member get`, file arguments that are pipes, error
/// wording, report numbers. Each test runs the real crmctl against a server over TCP.
@Suite("crmctl as an operator uses it")
struct OperatorProcessTests {
    static func env(_ server: TestServer) -> [String: String] { ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken] }

    /// The settings as `crmctl config show --json` prints them.
    static func shown(_ env: [String: String]) async throws -> JSONValue {
        let out = try await runBinary("crmctl", ["config", "show", "--json"], environment: env)
        #expect(out.status == 0, "\(out.stderr)")
        return try JSONParser.parse(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("crmctl config sets each setting in the operator's words and shows it back")
    func configCommands() async throws {
        try await withTestServer { server in
            let env = Self.env(server)
            let defaults = try await runBinary("crmctl", ["config", "show"], environment: env)
            #expect(defaults.status == 0, "\(defaults.stderr)")
            #expect(defaults.stdout.contains("rolling"), "\(defaults.stdout)")

            // Expiry policy.
            let expiry = try await runBinary("crmctl", ["config", "expiry", "yearly-clearing", "--on", "12-31", "--share", "30%"], environment: env)
            #expect(expiry.status == 0, "\(expiry.stderr)")
            var s = try await Self.shown(env)
            #expect(s["points"]?["expiry"] == ["policy": "yearly_clearing", "month": 12, "day": 31, "share_percent": 30])
            #expect(try await runBinary("crmctl", ["config", "expiry", "rolling", "--months", "24", "--round", "month-end"], environment: env).status == 0)
            s = try await Self.shown(env)
            #expect(s["points"]?["expiry"] == ["policy": "rolling", "months": 24, "round": "month_end"])
            #expect(s["points"]?["earn_rate"] == "1", "other points settings are kept")

            // RFM bands, then lifecycle mode: neither undoes the other.
            let rfm = try await runBinary("crmctl", ["config", "rfm", "--recency", "30,60,120", "--monetary", "150,300", "--window", "180d"], environment: env)
            #expect(rfm.status == 0, "\(rfm.stderr)")
            let lifecycle = try await runBinary("crmctl", ["config", "lifecycle", "--mode", "derived", "--new", "14"], environment: env)
            #expect(lifecycle.status == 0, "\(lifecycle.stderr)")
            s = try await Self.shown(env)
            #expect(s["segments"]?["rfm"]?["recency_days"] == [30, 60, 120])
            #expect(s["segments"]?["rfm"]?["monetary"] == ["150.00", "300.00"])
            #expect(s["segments"]?["rfm"]?["window_days"] == 180)
            #expect(s["segments"]?["rfm"]?["frequency_min"] == [1, 2, 3])
            #expect(s["segments"]?["lifecycle"]?["mode"] == "derived")
            #expect(s["segments"]?["lifecycle"]?["new_days"] == 14)

            // Pyramid thresholds.
            let pyramid = try await runBinary("crmctl", ["config", "pyramid", "top", "--purchases", "4+", "--average", ">350"], environment: env)
            #expect(pyramid.status == 0, "\(pyramid.stderr)")
            s = try await Self.shown(env)
            #expect(s["segments"]?["pyramid"]?["top"] == ["min_purchases": 4, "average_above": "350.00"])
            #expect(s["segments"]?["pyramid"]?["second"]?["average_from"] == "200.00", "other tiers keep their thresholds")

            // Tag mappings.
            #expect(try await runBinary("crmctl", ["config", "tag-map", "add", "skin_type", "乾性肌膚", "--value", "dry"], environment: env).status == 0)
            #expect(try await runBinary("crmctl", ["config", "tag-map", "add", "occupation", "有職業"], environment: env).status == 0)
            s = try await Self.shown(env)
            #expect(s["tags"]?["mappings"] == [["attribute": "skin_type", "value": "dry", "tag": "乾性肌膚"], ["attribute": "occupation", "tag": "有職業"]])
            #expect(try await runBinary("crmctl", ["config", "tag-map", "remove", "skin_type", "--value", "dry"], environment: env).status == 0)
            s = try await Self.shown(env)
            #expect(s["tags"]?["mappings"] == [["attribute": "occupation", "tag": "有職業"]])

            // The identity block list.
            let block = try await runBinary("crmctl", ["config", "block", "add", "phone", "138-0000-0000"], environment: env)
            #expect(block.status == 0, "\(block.stderr)")
            #expect(try await runBinary("crmctl", ["config", "block", "add", "email", "Shop@Example.com"], environment: env).status == 0)
            s = try await Self.shown(env)
            #expect(s["identity"]?["blocked_keys"] == [["kind": "email", "value": "shop@example.com"], ["kind": "phone", "value": "+8613800000000"]])
            #expect(try await runBinary("crmctl", ["config", "block", "remove", "phone", "13800000000"], environment: env).status == 0)
            s = try await Self.shown(env)
            #expect(s["identity"]?["blocked_keys"] == [["kind": "email", "value": "shop@example.com"]])

            // The table shows what was set, in words.
            let table = try await runBinary("crmctl", ["config", "show"], environment: env)
            for text in ["24 months", "30, 60, 120", "derived", "有職業", "shop@example.com", "> 350.00"] {
                #expect(table.stdout.contains(text), "config show: \(text) in \(table.stdout)")
            }

            // Bad usage is refused before anything is sent, as usage errors (exit 64).
            for bad in [
                ["config", "rfm", "--recency", "90,30"], ["config", "expiry", "yearly-clearing", "--share", "130%"],
                ["config", "expiry", "weekly"], ["config", "pyramid", "top", "--average", "about 300"],
                ["config", "lifecycle", "--mode", "sometimes"], ["config", "pyramid", "fourth", "--purchases", "1"],
            ] {
                let out = try await runBinary("crmctl", bad, environment: env)
                #expect(out.status == 64, "\(bad): \(out.status) \(out.stderr)")
            }
            s = try await Self.shown(env)
            #expect(s["segments"]?["rfm"]?["recency_days"] == [30, 60, 120], "a refused command changes nothing")
        }
    }

    @Test("crmctl member get shows tags, the referral code and when the member registered")
    func memberGet() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await SegmentFixture.load(admin)
            _ = try await admin.call("tag.define", ["name": "VIP客戶"])
            _ = try await admin.call("tag.add", ["member_id": .string(f.ids["A"]!), "tag": "VIP客戶"])
            let env = Self.env(server)
            let json = try JSONParser.parse(try await runBinary("crmctl", ["member", "get", f.ids["A"]!, "--json"], environment: env).stdout)
            #expect(json["registered_at"] == "2024-01-10T01:00:00.000Z", "the earliest registration the shops sent")
            let code = try #require(json["referral"]?["code"]?.stringValue)
            let out = try await runBinary("crmctl", ["member", "get", f.ids["A"]!], environment: env)
            #expect(out.status == 0, "\(out.stderr)")
            let lines = out.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("tags") && $0.contains("VIP客戶") }, "\(out.stdout)")
            #expect(lines.contains { $0.hasPrefix("referral") && $0.contains(code) }, "\(out.stdout)")
            #expect(lines.contains { $0.hasPrefix("registered") && $0.contains("2024-01-10") }, "\(out.stdout)")
            #expect(!out.stdout.contains("since"), "\(out.stdout)")
        }
    }

    @Test("crmctl reads filters and other JSON files from pipes: process substitution, a FIFO, /dev/stdin")
    func pipedFiles() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await SegmentFixture.load(admin)
            var env = Self.env(server)
            env["CRMCTL"] = Binaries.path("crmctl")
            let filter = #"{"region": ["北京"]}"#
            env["FILTER"] = filter
            // Exactly what the operator typed: bash's <(…) is /dev/fd/63, a pipe.
            let substituted = try await runShell(#""$CRMCTL" segment preview --filter <(printf '%s' "$FILTER")"#, environment: env)
            #expect(substituted.status == 0, "\(substituted.stderr)")
            #expect(substituted.stdout.hasPrefix("1 members"), "\(substituted.stdout)")
            let stdin = try await runShell(#"printf '%s' "$FILTER" | "$CRMCTL" segment save beijing /dev/stdin"#, environment: env)
            #expect(stdin.status == 0, "\(stdin.stderr)")
            try await withTemporaryDirectory { dir in
                let fifo = dir + "/filter.fifo"
                #expect(mkfifo(fifo, 0o600) == 0)
                env["FIFO"] = fifo
                let viaFIFO = try await runShell(
                    #"printf '%s' "$FILTER" > "$FIFO" & "$CRMCTL" segment preview --filter "$FIFO"; s=$?; exec 3<> "$FIFO"; wait; exit $s"#,
                    environment: env)
                #expect(viaFIFO.status == 0, "\(viaFIFO.stderr)")
                #expect(viaFIFO.stdout.hasPrefix("1 members"), "\(viaFIFO.stdout)")
            }
            let ladder = try await runShell(#""$CRMCTL" level rules get --json | "$CRMCTL" level rules set /dev/stdin"#, environment: env)
            #expect(ladder.status == 0, "\(ladder.stderr)")
        }
    }

    @Test("store-sync reads its CSV mapping from a pipe (the shell's <(…))")
    func pipedMapping() async throws {
        try await withTemporaryDirectory { dir in
            try "uid,姓名,手機,郵箱,註冊時間,地址,unionid\ng1,王小明,13800138000,,2026-03-01 10:00:00,,\n".write(
                toFile: dir + "/members-1.csv", atomically: true, encoding: .utf8)
            let env = ["STORE_SYNC": Binaries.path("store-sync"), "SOURCE": dir + "/members-1.csv", "MAPPING": StoreSyncTests.mapping]
            let out = try await runShell(#""$STORE_SYNC" push --shop sh01 --source "$SOURCE" --mapping <(printf '%s' "$MAPPING") --dry-run"#, environment: env)
            #expect(out.status == 0, "\(out.stderr)")
        }
    }

    @Test("crmctl's errors name the commands and flags the operator types, not wire methods and fields")
    func errorWording() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await SegmentFixture.load(admin)
            let env = Self.env(server)
            let missingTag = try await runBinary("crmctl", ["tag", "add", f.ids["A"]!, "不存在"], environment: env)
            #expect(missingTag.status == 1)
            #expect(missingTag.stderr.contains("crmctl tag define"), "\(missingTag.stderr)")
            #expect(!missingTag.stderr.contains("tag.define"), "\(missingTag.stderr)")
            let badPhone = try await runBinary("crmctl", ["member", "get", "--phone", "call me"], environment: env)
            #expect(badPhone.status == 1)
            #expect(badPhone.stderr.contains("--phone"), "\(badPhone.stderr)")
            let badChannel = try await runBinary("crmctl", ["member", "get", "--shop", "sh01", "--channel", "fax", "--external-id", "x"], environment: env)
            #expect(badChannel.stderr.contains("--channel"), "\(badChannel.stderr)")
            #expect(!badChannel.stderr.contains("at channel"), "\(badChannel.stderr)")
            let none = try await runBinary("crmctl", ["member", "get"], environment: env)
            #expect(none.status == 64, "\(none.stderr)")
            #expect(!none.stderr.contains("member_id") && !none.stderr.contains("external_id"), "\(none.stderr)")
            // Two members share a phone (a guard kept them apart): the hint is crmctl member find.
            _ = try await admin.call("config.set", ["name": "identity", "value": ["blocked_keys": [["kind": "phone", "value": "13811112222"]]]])
            _ = try await admin.push(
                "sh01",
                [
                    Events.upsert("s1", "web", "s-1", ["name": "甲", "phone": "13811112222"]),
                    Events.upsert("s2", "web", "s-2", ["name": "乙", "phone": "13811112222"]),
                ])
            let shared = try await runBinary("crmctl", ["member", "get", "--phone", "13811112222"], environment: env)
            #expect(shared.status == 1, "\(shared.stdout)")
            #expect(shared.stderr.contains("crmctl member find"), "\(shared.stderr)")
            #expect(!shared.stderr.contains("member.find"), "\(shared.stderr)")
        }
    }

    @Test("crmctl refuses a member id that is not one as bad usage, before connecting")
    func memberIDArgument() async throws {
        // Nothing listens on port 1: a command that got as far as connecting would fail with 69, not 64.
        let env = ["CRM_SERVER": "127.0.0.1:1", "CRM_TOKEN": "crm_unused"]
        for args in [
            ["member", "get", "abc"], ["level", "get", "0"], ["referral", "link", "12.5"], ["member", "unmerge", "--member", "x1", "--reason", "r"],
        ] {
            let out = try await runBinary("crmctl", args, environment: env)
            #expect(out.status == 64, "\(args): \(out.stderr)")
        }
    }

    @Test("report lifecycle prints repurchase intervals rounded to a tenth of a day")
    func roundedDurations() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.push(
                "sh01",
                [
                    Events.upsert("u", "web", "u-x", ["name": "甲"]),
                    Events.paid("o1", "web", order: "O1", member: "u-x", amount: "10", at: "2026-06-01T10:17:00+08:00"),
                    Events.paid("o2", "web", order: "O2", member: "u-x", amount: "10", at: "2026-06-03T16:43:00+08:00"),
                    Events.paid("o3", "web", order: "O3", member: "u-x", amount: "10", at: "2026-06-10T08:05:00+08:00"),
                    Events.paid("o4", "web", order: "O4", member: "u-x", amount: "10", at: "2026-06-20T23:59:00+08:00"),
                ])
            _ = try await admin.call("config.set", ["name": "segments", "value": ["lifecycle": ["mode": "derived"]]])
            let out = try await runBinary("crmctl", ["report", "lifecycle", "--as-of", "2026-07-01T00:00:00+08:00"], environment: Self.env(server))
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains("median 6.6 days"), "\(out.stdout)")
            #expect(out.stdout.range(of: #"\d\.\d\d"#, options: .regularExpression) == nil, "\(out.stdout)")
            // crmctl stats: the server's uptime in seconds, to the millisecond, reads as a duration (minutes past the first; a
            // loaded machine can take that long to get here).
            let stats = try await runBinary("crmctl", ["stats"], environment: Self.env(server))
            #expect(stats.status == 0, "\(stats.stderr)")
            #expect(stats.stdout.range(of: #"uptime \d+ (s|min) "#, options: .regularExpression) != nil, "\(stats.stdout)")
        }
    }

    @Test("the pyramid's thresholds are settings: changing them over TCP changes the report, bad ones are refused")
    func pyramidThresholds() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await SegmentFixture.load(admin)
            let asOf: JSONValue = ["as_of": .string(SegmentFixture.asOf)]
            func tiers() async throws -> [String: Int64] {
                var out: [String: Int64] = [:]
                for t in try await admin.call("report.pyramid", asOf)["tiers"]!.arrayValue! { out[t["tier"]!.stringValue!] = t["members"]!.int64Value! }
                return out
            }
            #expect(try await tiers() == ["top": 1, "second": 1, "third": 1, "bottom": 1, "other": 3])
            let defaults = try await admin.call("config.get", ["name": "segments"])["value"]!["pyramid"]
            #expect(
                defaults == [
                    "top": ["min_purchases": 3, "average_above": "300.00"],
                    "second": ["min_purchases": 2, "max_purchases": 2, "average_from": "200.00", "average_to": "300.00"],
                    "third": ["min_purchases": 1, "max_purchases": 1, "average_from": "100.00", "average_to": "200.00"],
                    "bottom": ["min_purchases": 1, "max_purchases": 1, "average_below": "100.00"],
                ])
            // A averages 337.50 over 4 purchases: above 340 it leaves the top; B (2 × 250) stays second.
            _ = try await admin.call("config.set", ["name": "segments", "value": ["pyramid": ["top": ["min_purchases": 3, "average_above": "340"]]]])
            #expect(try await tiers() == ["top": 0, "second": 1, "third": 1, "bottom": 1, "other": 4])
            // C's one purchase of 150 moves to the bottom when the bottom reaches 160.
            _ = try await admin.call(
                "config.set",
                [
                    "name": "segments",
                    "value": [
                        "pyramid": [
                            "third": ["min_purchases": 1, "max_purchases": 1, "average_from": "160", "average_to": "200"],
                            "bottom": ["min_purchases": 1, "max_purchases": 1, "average_below": "160"],
                        ]
                    ],
                ])
            #expect(try await tiers() == ["top": 1, "second": 1, "third": 0, "bottom": 2, "other": 3])
            for bad: JSONValue in [
                ["top": ["min_purchases": 0]], ["second": ["min_purchases": 3, "max_purchases": 2]],
                ["third": ["average_from": "200", "average_to": "100"]], ["top": ["average_from": "1", "average_above": "2"]],
                ["fourth": ["min_purchases": 1]], ["top": ["average_above": "lots"]],
            ] {
                let error = await rpcError { try await admin.call("config.set", ["name": "segments", "value": ["pyramid": bad]]) }
                #expect(error?.code == -32602, "\(bad)")
                #expect(error?.reason == "bad_setting" || error?.reason == "unknown_field", "\(bad): \(String(describing: error))")
            }
            #expect(try await tiers() == ["top": 1, "second": 1, "third": 0, "bottom": 2, "other": 3], "refused settings change nothing")
            // crmctl shows tier, members and spend in columns of their own.
            let out = try await runBinary("crmctl", ["report", "pyramid", "--as-of", SegmentFixture.asOf], environment: Self.env(server))
            let header = try #require(out.stdout.split(separator: "\n").first { $0.contains("tier") && $0.contains("members") })
            #expect(header.contains("spend"), "\(out.stdout)")
            #expect(out.stdout.contains("> 300.00"), "the thresholds in force are shown: \(out.stdout)")
        }
    }
}

/// Runs a bash command line (for pipes and process substitution, as an operator's shell does).
func runShell(_ command: String, environment: [String: String]) async throws -> CommandOutput {
    let result = await offThread {
        Result { try runProcessBlocking("/bin/bash", ["-c", command], environment: environment, cleared: ["CRM_SERVER", "CRM_TOKEN"]) }
    }
    return try result.get()
}

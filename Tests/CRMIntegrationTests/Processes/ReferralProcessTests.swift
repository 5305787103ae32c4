import CRMClient
import CRMProtocol
import Foundation
import Testing

/// Referral rows as an operator reads them with crmctl, against a crmd process.
@Suite("crmctl on referrals")
struct ReferralProcessTests {
    @Test("points history says why referral rewards and their take-backs exist; after a voided self-referral nobody is 'referred by' themselves")
    func historyAndSelfReferral() async throws {
        try await PointsProcessTests.withDueLots(members: 0) { _, crmd, env in
            let admin = try await crmd.adminClient()
            let (referrer, code) = try await ReferralTests.referrer(admin)
            let referred = try await ReferralTests.signup(admin, "u-n", code: code)
            _ = try await admin.paid("o1", order: "R-1", member: "u-n", amount: "100.00", at: When.at(days: -1), channel: "mobile")
            let history = try await runBinary("crmctl", ["points", "history", referrer.stringValue!], environment: env)
            #expect(history.status == 0, "\(history.stderr)")
            let rewardRow = history.stdout.split(separator: "\n").first { $0.contains(" referral ") }
            #expect(rewardRow?.contains("binding") == true, "why is blank: \(history.stdout)")
            #expect(rewardRow?.contains("referrer") == true, "\(history.stdout)")

            let merged = try await admin.call("member.merge", ["member_id": referrer, "other_member_id": referred, "reason": "same person"])
            let survivor = merged["member_id"]!.stringValue!
            await admin.close()
            let got = try await runBinary("crmctl", ["referral", "get", survivor], environment: env)
            #expect(got.status == 0, "\(got.stderr)")
            let byLine = got.stdout.split(separator: "\n").first { $0.hasPrefix("referred by") }
            #expect(byLine.map { !$0.contains(survivor) } == true, "\(got.stdout)")
            #expect(got.stdout.contains("self_referral"), "\(got.stdout)")
            let after = try await runBinary("crmctl", ["points", "history", survivor], environment: env)
            let takeBacks = after.stdout.split(separator: "\n").filter { $0.contains(" reverse ") }
            #expect(takeBacks.count == 2)
            #expect(takeBacks.allSatisfy { $0.contains("binding") }, "\(after.stdout)")
        }
    }
}

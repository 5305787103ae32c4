import CRMClient
import CRMDomain
import CRMProtocol
import Foundation
import Testing

/// crmctl member benefits and points-expiry birthdays as an operator runs them, against a crmd process.
@Suite("crmctl member benefits and points-expiry birthdays as processes")
struct BenefitProcessTests {
    @Test("points-expiry birthdays gives today's gifts once; crmctl member benefits shows the quote for a cart")
    func birthdaysAndQuote() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            let today = When.date(days: 0)
            let birthday = "1990" + today.dropFirst(4)
            let pushed = try await admin.push(
                "sh01",
                [
                    Events.upsert("e1", "web", "u-1", ["birthday": .string(birthday)]), Events.upsert("e2", "web", "u-2"),
                    Events.paid("p1", "web", order: "1", member: "u-1", amount: "2000.00", at: When.at(days: -1)),
                ])
            await admin.close()
            let member = pushed[0]["member_id"]!.stringValue!
            let env = ["CRM_SERVER": "127.0.0.1:\(crmd.port)", "CRM_TOKEN": crmd.adminToken]

            let first = try await runBinary("points-expiry", ["birthdays", "--batch", "1"], environment: env)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.contains("birthdays \(today): 1 points gifts (200 points), 0 coupons"), "\(first.stderr)")
            let again = try await runBinary("points-expiry", ["birthdays"], environment: env)
            #expect(again.stderr.contains("0 points gifts (0 points), 0 coupons, 1 already given or refused"), "\(again.stderr)")

            let quote = try await runBinary(
                "crmctl", ["member", "benefits", member, "--cart-amount", "300", "--shop", "sh01", "--channel", "web"], environment: env)
            #expect(quote.status == 0, "\(quote.stderr)")
            #expect(quote.stdout.contains("高級會員 (senior): member price 92 %"), "\(quote.stdout)")
            #expect(quote.stdout.contains("包郵 (free_shipping): from ¥99.00"), "\(quote.stdout)")
            #expect(quote.stdout.contains("to pay      ¥276.00, shipped free"), "\(quote.stdout)")
            let json = try await runBinary("crmctl", ["member", "benefits", member, "--json"], environment: env)
            let parsed = try JSONParser.parse(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(parsed["points"]?["balance"] == 2_200)
            let bad = try await runBinary("crmctl", ["member", "benefits", member, "--cart-amount", "abc", "--shop", "sh01"], environment: env)
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("cart.amount"), "\(bad.stderr)")
        }
    }
}

import CRMDomain
import CRMProtocol
import CRMStorage

/// Measures: `report.rfm|pyramid|purchase_groups|lifecycle|seasons|repurchase|channels|levels`.
/// Every report takes an optional `as_of` (RFC 3339; default now) and counts live members.
enum ReportMethods {
    static func yuan(_ fen: Int64) -> JSONValue { .string(fen < 0 ? "-" + Money.format(fen: -fen) : Money.format(fen: fen)) }

    /// Per mille shares as a decimal string with one decimal (`12.5` %), computed in integers.
    static func percent(_ part: Int64, of whole: Int64) -> JSONValue {
        guard whole > 0 else { return .string("0.0") }
        let tenths = (part * 1_000 + whole / 2) / whole
        return .string("\(tenths / 10).\(tenths % 10)")
    }

    static func report(_ name: String, _ context: ServerContext, _ body: @escaping @Sendable (MeasureContextBox, Params) async throws -> JSONObject) -> MethodSpec {
        MethodSpec(name, access: .read) { call in
            let p = call.params
            var allowed: Set<String> = ["as_of"]
            if name == "report.channels" { allowed.insert("within_days") }
            try p.allowOnly(allowed)
            let m = try await context.measureContext(asOf: try SegmentMethods.asOf(p))
            return .object(try await body(m, p))
        }
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        let reports = context.reports
        return [
            report("report.rfm", context) { m, _ in
                let (cells, asOf) = try await reports.rfm(m.value)
                let bands = m.value.settings.rfm
                let total = cells.reduce(0) { $0 + $1.members }
                func marginal(_ i: Int, _ labels: [String]) -> JSONValue {
                    var counts = [Int64](repeating: 0, count: labels.count + 1)
                    for c in cells { if let b = Int(c.keys[i]), b < counts.count { counts[b] += c.members } }
                    return .array(counts.enumerated().map { b, n in
                        ["band": .int(b), "label": .string(b == 0 ? "none" : labels[b - 1]), "members": .int(n), "share": percent(n, of: total)]
                    })
                }
                return ["as_of": .string(asOf), "window_days": .int(bands.windowDays), "members": .int(total),
                        "r": marginal(0, bands.recencyLabels), "f": marginal(1, bands.frequencyLabels), "m": marginal(2, bands.monetaryLabels),
                        "cells": .array(cells.map { ["r": .int(Int($0.keys[0]) ?? 0), "f": .int(Int($0.keys[1]) ?? 0), "m": .int(Int($0.keys[2]) ?? 0),
                                                     "members": .int($0.members), "spend": yuan($0.spendFen)] })]
            },
            report("report.pyramid", context) { m, _ in
                let (cells, asOf) = try await reports.pyramid(m.value)
                let total = cells.reduce(0) { $0 + $1.members }
                let spend = cells.reduce(0) { $0 + $1.spendFen }
                return ["as_of": .string(asOf), "window_days": .int(m.value.settings.rfm.windowDays), "members": .int(total),
                        "tiers": .array(ContributionTier.allCases.map { tier in
                            let c = cells.first { $0.keys[0] == tier.rawValue }
                            var o: JSONObject = ["tier": .string(tier.rawValue), "members": .int(c?.members ?? 0), "share": percent(c?.members ?? 0, of: total),
                                                 "spend": yuan(c?.spendFen ?? 0), "spend_share": percent(c?.spendFen ?? 0, of: spend)]
                            if let t = m.value.settings.pyramid[tier] { o["thresholds"] = SegmentSettingsJSON.renderTier(t) }
                            return .object(o)
                        })]
            },
            report("report.purchase_groups", context) { m, _ in
                let (cells, asOf) = try await reports.purchaseGroups(m.value)
                let total = cells.reduce(0) { $0 + $1.members }
                return ["as_of": .string(asOf), "window_days": .int(m.value.settings.rfm.windowDays), "members": .int(total),
                        "groups": .array(PurchaseGroup.allCases.map { g in
                            let n = cells.first { $0.keys[0] == g.rawValue }?.members ?? 0
                            return ["group": .string(g.rawValue), "members": .int(n), "share": percent(n, of: total)]
                        })]
            },
            report("report.lifecycle", context) { m, _ in
                let r = try await reports.lifecycle(m.value)
                let total = r.cells.reduce(0) { $0 + $1.members }
                var o: JSONObject = ["as_of": .string(r.asOf), "members": .int(total), "mode": .string(m.value.settings.lifecycleDerived ? "derived" : "fixed"),
                                     "thresholds": ["new_days": .int(r.thresholds.newDays), "active_days": .int(r.thresholds.activeDays),
                                                    "silent_days": .int(r.thresholds.silentDays), "sleeping_days": .int(r.thresholds.sleepingDays)],
                                     "stages": .array(LifecycleStage.allCases.map { s in
                                         let n = r.cells.first { $0.keys[0] == s.rawValue }?.members ?? 0
                                         return ["stage": .string(s.rawValue), "members": .int(n), "share": percent(n, of: total)]
                                     })]
                if let i = r.intervals {
                    o["repurchase_intervals"] = ["count": .int(i.count), "p50_days": .double(i.p50), "p75_days": .double(i.p75),
                                                 "p90_days": .double(i.p90), "p95_days": .double(i.p95)]
                }
                return o
            },
            report("report.seasons", context) { m, _ in
                let r = try await reports.seasons(m.value)
                let buyers = r.cells.filter { $0.keys[0] != "0" }.reduce(0) { $0 + $1.members }
                return ["as_of": .string(r.asOf), "window_days": .int(m.value.settings.rfm.windowDays), "buyers": .int(buyers),
                        "by_seasons": .array((1...4).map { n in
                            let c = r.cells.first { $0.keys[0] == String(n) }?.members ?? 0
                            return ["seasons": .int(n), "members": .int(c), "share": percent(c, of: buyers)]
                        }),
                        "all_four": .int(r.cells.first { $0.keys[0] == "4" }?.members ?? 0), "at_risk": .int(r.atRisk)]
            },
            report("report.repurchase", context) { m, _ in
                let (x, asOf) = try await reports.repurchase(m.value)
                return ["as_of": .string(asOf), "window_days": .int(m.value.settings.rfm.windowDays),
                        "buyers_in_window": .int(x.buyersInWindow), "repeat_buyers_in_window": .int(x.repeatInWindow),
                        "repurchase_rate_in_window": percent(x.repeatInWindow, of: x.buyersInWindow),
                        "buyers_ever": .int(x.buyersEver), "repeat_buyers_ever": .int(x.repeatEver), "repurchase_rate_ever": percent(x.repeatEver, of: x.buyersEver),
                        "spend_in_window": yuan(x.spendInWindowFen), "old_customer_spend": yuan(x.oldCustomerSpendFen),
                        "old_customer_share": percent(x.oldCustomerSpendFen, of: x.spendInWindowFen), "purchases_in_window": .int(x.purchasesInWindow),
                        "average_order": yuan(x.purchasesInWindow > 0 ? x.spendInWindowFen / x.purchasesInWindow : 0)]
            },
            report("report.channels", context) { m, p in
                let within = try p.optionalInt("within_days", in: 1...36_500).map { Int($0) }
                let (cells, asOf) = try await reports.channels(m.value, withinDays: within)
                let buyers = cells.filter { $0.keys[0] != "none" }
                let buyerCount = buyers.reduce(0) { $0 + $1.members }
                let multi = buyers.filter { $0.keys[0].contains("+") }.reduce(0) { $0 + $1.members }
                return ["as_of": .string(asOf), "within_days": within.map { .int($0) } ?? .null, "buyers": .int(buyerCount), "multi_channel": .int(multi),
                        "multi_channel_share": percent(multi, of: buyerCount),
                        "by_channel": .array(Channel.allCases.map { ch in
                            let n = buyers.filter { $0.keys[0].split(separator: "+").contains(Substring(ch.rawValue)) }.reduce(0) { $0 + $1.members }
                            return ["channel": .string(ch.rawValue), "members": .int(n), "share": percent(n, of: buyerCount)]
                        }),
                        "combinations": .array(buyers.sorted { $0.members > $1.members }.map {
                            ["channels": .string($0.keys[0]), "members": .int($0.members), "share": percent($0.members, of: buyerCount)]
                        })]
            },
            report("report.levels", context) { m, _ in
                let cells = try await reports.levels(m.value)
                let total = cells.reduce(0) { $0 + $1.members }
                return ["members": .int(total), "levels": .array(m.ladder.levels.map { l in
                    let n = cells.first { $0.keys[0] == l.code }?.members ?? 0
                    return ["code": .string(l.code), "name": .string(l.name), "members": .int(n), "share": percent(n, of: total)]
                })]
            },
        ]
    }
}

import CRMDomain
import CRMProtocol
import CRMStorage

/// Measures: `report.rfm|pyramid|purchase_groups|lifecycle|seasons|repurchase|channels|levels`.
/// Every report takes an optional `as_of` (RFC 3339; default now) and counts live members.
enum ReportMethods {
    typealias Report = RPC.Report

    static func yuan(_ fen: Int64) -> String { fen < 0 ? "-" + Money.format(fen: -fen) : Money.format(fen: fen) }

    /// Per mille shares as a decimal string with one decimal (`12.5` %), computed in integers.
    static func percent(_ part: Int64, of whole: Int64) -> String {
        guard whole > 0 else { return "0.0" }
        let tenths = (part * 1_000 + whole / 2) / whole
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// A report's handler: its params decoded, the measures context made as of `as_of`, then `body`
    /// with the report store of the read replica when there is one (`ServerContext.lagTolerant`).
    static func report<M: RPCMethod>(
        _ method: M.Type, _ context: ServerContext,
        _ body: @escaping @Sendable (ReportStore, MeasureContextBox, M.Params) async throws -> M.Result
    ) -> MethodSpec
    where M.Params: ReportParams, M.Result: ReplicaServed {
        MethodSpec(method, access: .read, scope: .merchantWide) { p, _ in
            let m = try await context.measureContext(asOf: p.asOf)
            return try await context.lagTolerant { reads in try await body(reads.reports, m, p) }
        }
    }

    /// Members of the cell whose first key is `key` (0 when there is none).
    static func members(_ cells: [ReportStore.Cell], _ key: String) -> Int64 {
        cells.first { $0.keys[0] == key }?.members ?? 0
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        valueSpecs(context) + activitySpecs(context)
    }

    /// What members are worth: RFM, the contribution pyramid, purchase groups, levels.
    static func valueSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            report(Report.RFM.self, context) { reports, m, _ in
                let (cells, asOf) = try await reports.rfm(m.value)
                return rfm(cells, asOf: asOf, bands: m.value.settings.rfm)
            },
            report(Report.Pyramid.self, context) { reports, m, _ in
                let (cells, asOf) = try await reports.pyramid(m.value)
                let total = cells.reduce(0) { $0 + $1.members }
                let spend = cells.reduce(0) { $0 + $1.spendFen }
                return Report.Pyramid.Result(
                    asOf: asOf, windowDays: m.value.settings.rfm.windowDays, members: total,
                    tiers: ContributionTier.allCases.map { tier in
                        let c = cells.first { $0.keys[0] == tier.rawValue }
                        return Report.Pyramid.Tier(
                            tier: tier.rawValue, members: c?.members ?? 0, share: percent(c?.members ?? 0, of: total),
                            spend: yuan(c?.spendFen ?? 0), spendShare: percent(c?.spendFen ?? 0, of: spend),
                            thresholds: m.value.settings.pyramid[tier].map(SegmentSettingsJSON.renderTier))
                    })
            },
            report(Report.PurchaseGroups.self, context) { reports, m, _ in
                let (cells, asOf) = try await reports.purchaseGroups(m.value)
                let total = cells.reduce(0) { $0 + $1.members }
                return Report.PurchaseGroups.Result(
                    asOf: asOf, windowDays: m.value.settings.rfm.windowDays, members: total,
                    groups: PurchaseGroup.allCases.map { g in
                        let n = members(cells, g.rawValue)
                        return Report.PurchaseGroups.Group(group: g.rawValue, members: n, share: percent(n, of: total))
                    })
            },
            report(Report.Levels.self, context) { reports, m, _ in
                let cells = try await reports.levels(m.value)
                let total = cells.reduce(0) { $0 + $1.members }
                return Report.Levels.Result(
                    members: total,
                    levels: m.ladder.levels.map { l in
                        let n = members(cells, l.code)
                        return Report.Levels.Level(code: l.code, name: l.name, members: n, share: percent(n, of: total))
                    })
            },
        ]
    }

    /// The RFM report: each measure's bands on their own (summed over the other two), and the cells.
    static func rfm(_ cells: [ReportStore.Cell], asOf: String, bands: RFMBands) -> Report.RFM.Result {
        let total = cells.reduce(0) { $0 + $1.members }
        func marginal(_ i: Int, _ labels: [String]) -> [Report.RFM.Band] {
            var counts = [Int64](repeating: 0, count: labels.count + 1)
            for c in cells { if let b = Int(c.keys[i]), b < counts.count { counts[b] += c.members } }
            return counts.enumerated().map { b, n in
                Report.RFM.Band(band: b, label: b == 0 ? "none" : labels[b - 1], members: n, share: percent(n, of: total))
            }
        }
        return Report.RFM.Result(
            asOf: asOf, windowDays: bands.windowDays, members: total,
            r: marginal(0, bands.recencyLabels), f: marginal(1, bands.frequencyLabels), m: marginal(2, bands.monetaryLabels),
            cells: cells.map {
                Report.RFM.Cell(r: Int($0.keys[0]) ?? 0, f: Int($0.keys[1]) ?? 0, m: Int($0.keys[2]) ?? 0, members: $0.members, spend: yuan($0.spendFen))
            })
    }

    /// When and where members buy: lifecycle, seasons, repurchase, channels.
    static func activitySpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            report(Report.Lifecycle.self, context) { reports, m, _ in
                let r = try await reports.lifecycle(m.value)
                let total = r.cells.reduce(0) { $0 + $1.members }
                let t = r.thresholds
                return Report.Lifecycle.Result(
                    asOf: r.asOf, members: total, mode: m.value.settings.lifecycleDerived ? "derived" : "fixed",
                    thresholds: .init(newDays: t.newDays, activeDays: t.activeDays, silentDays: t.silentDays, sleepingDays: t.sleepingDays),
                    stages: LifecycleStage.allCases.map { s in
                        let n = members(r.cells, s.rawValue)
                        return Report.Lifecycle.Stage(stage: s.rawValue, members: n, share: percent(n, of: total))
                    },
                    repurchaseIntervals: r.intervals.map { .init(count: $0.count, p50Days: $0.p50, p75Days: $0.p75, p90Days: $0.p90, p95Days: $0.p95) })
            },
            report(Report.Seasons.self, context) { reports, m, _ in
                let r = try await reports.seasons(m.value)
                let buyers = r.cells.filter { $0.keys[0] != "0" }.reduce(0) { $0 + $1.members }
                return Report.Seasons.Result(
                    asOf: r.asOf, windowDays: m.value.settings.rfm.windowDays, buyers: buyers,
                    bySeasons: (1...4).map { n in
                        let c = members(r.cells, String(n))
                        return Report.Seasons.Count(seasons: n, members: c, share: percent(c, of: buyers))
                    }, allFour: members(r.cells, "4"), atRisk: r.atRisk)
            },
            report(Report.Repurchase.self, context) { reports, m, _ in
                let (x, asOf) = try await reports.repurchase(m.value)
                return Report.Repurchase.Result(
                    asOf: asOf, windowDays: m.value.settings.rfm.windowDays, buyersInWindow: x.buyersInWindow, repeatBuyersInWindow: x.repeatInWindow,
                    repurchaseRateInWindow: percent(x.repeatInWindow, of: x.buyersInWindow), buyersEver: x.buyersEver, repeatBuyersEver: x.repeatEver,
                    repurchaseRateEver: percent(x.repeatEver, of: x.buyersEver), spendInWindow: yuan(x.spendInWindowFen),
                    oldCustomerSpend: yuan(x.oldCustomerSpendFen), oldCustomerShare: percent(x.oldCustomerSpendFen, of: x.spendInWindowFen),
                    purchasesInWindow: x.purchasesInWindow, averageOrder: yuan(x.purchasesInWindow > 0 ? x.spendInWindowFen / x.purchasesInWindow : 0))
            },
            report(Report.Channels.self, context) { reports, m, p in
                let (cells, asOf) = try await reports.channels(m.value, withinDays: p.withinDays)
                return channels(cells, asOf: asOf, withinDays: p.withinDays)
            },
        ]
    }

    /// The channels report: buyers by channel (among others or not), and by exact combination.
    static func channels(_ cells: [ReportStore.Cell], asOf: String, withinDays: Int?) -> Report.Channels.Result {
        let buyers = cells.filter { $0.keys[0] != "none" }
        let buyerCount = buyers.reduce(0) { $0 + $1.members }
        let multi = buyers.filter { $0.keys[0].contains("+") }.reduce(0) { $0 + $1.members }
        return Report.Channels.Result(
            asOf: asOf, withinDays: withinDays, buyers: buyerCount, multiChannel: multi, multiChannelShare: percent(multi, of: buyerCount),
            byChannel: Channel.allCases.map { ch in
                let n = buyers.filter { $0.keys[0].split(separator: "+").contains(Substring(ch.rawValue)) }.reduce(0) { $0 + $1.members }
                return Report.Channels.ByChannel(channel: ch.rawValue, members: n, share: percent(n, of: buyerCount))
            },
            combinations: buyers.sorted { $0.members > $1.members }.map {
                Report.Channels.Combination(channels: $0.keys[0], members: $0.members, share: percent($0.members, of: buyerCount))
            })
    }
}

import CRMDomain
import CRMProtocol
import CRMStorage

/// `ledger.archive`: a month of the points ledger archived (docs/operations.md, "Partitions").
enum LedgerMethods {
    typealias Archive = RPC.Ledger.Archive

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Archive.self, access: .admin, scope: .merchantWide) { p, call in
                let firstDay = try firstDay(of: p.month)
                let done = try await LedgerArchive(pool: context.pool).archive(firstDay: firstDay)
                context.logger.notice(
                    "ledger month archived",
                    metadata: ["request": "\(call.requestID)", "month": "\(p.month)", "entries": "\(done.entries)", "actor": "\(call.actor)"])
                return Archive.Result(month: p.month, entries: done.entries, lotChanges: done.lotChanges, kept: done.kept, detached: done.detached)
            }
        ]
    }

    /// `YYYY-MM` as the month's first day, `YYYY-MM-01`.
    static func firstDay(of month: String) throws(RPCError) -> String {
        let parts = month.split(separator: "-", omittingEmptySubsequences: false)
        guard month.utf8.count == 7, parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), year >= 1970,
            let m = Int(parts[1]), parts[1].count == 2, (1...12).contains(m)
        else {
            throw .invalidParams("month must be YYYY-MM", field: "month", reason: .badDate)
        }
        return month + "-01"
    }
}

import CRMDomain

/// Purchase counts, spend and first/last purchase read from the monthly purchase totals
/// (`member_purchase_month`, kept by migration 20's triggers) instead of every order.
///
/// A month's row stands for its purchases as a whole wherever all of them fall on one side of every
/// instant the statement's windows start or end at (`totalEdges`: the evaluation time `$1`, each
/// `within_days` edge, each period's midnights): a window then holds all of them or none, so testing
/// one of them (the row's last purchase) decides for the row. A row whose first and last purchase
/// lie on either side of such an instant (or on it) is replaced by its orders, read through the
/// member's accounts and `shop_order_account`. The pass is thus the same sums over the same purchases
/// as the pass over the orders — the same members and figures — over about one row per member and
/// month instead of one per order, without reading the orders' items or joining their accounts.
extension SegmentCompiler {
    /// A column of the pass over the totals: `aggregate` over its rows `o` (`o.n` purchases, `o.spend`
    /// fen, `o.paid_at` the last, `o.first_paid_at` the first purchase), filtered to the window when given.
    mutating func totalColumn(_ aggregate: String, _ days: Int?, _ period: DatePeriod?) -> String {
        var sql = aggregate
        if days != nil || period != nil {
            sql += " FILTER (WHERE \(window(days, period)))"
            recordEdges(days, period)
        }
        if let i = totalColumns.firstIndex(of: sql) { return "t.t\(i)" }
        totalColumns.append(sql)
        return "t.t\(totalColumns.count - 1)"
    }

    /// Adds a window's start (and a period's end) to the instants rows must not straddle; `window`
    /// has already bound their parameters.
    private mutating func recordEdges(_ days: Int?, _ period: DatePeriod?) {
        var found: [String] = []
        if let period {
            if let from = period.from { found.append("\(midnight(from))::timestamptz") }
            if let until = period.until { found.append("\(midnight(until))::timestamptz") }
        } else if let days, let p = windowParams[days] {
            found.append("($1::timestamptz - \(p)::int * interval '1 day')")
        }
        for edge in found where !totalEdges.contains(edge) { totalEdges.append(edge) }
    }

    /// The `t` pass: the rows that straddle no edge as they are, and the orders of those that do.
    func totalsPass(_ cte: String) -> String {
        let restricted = restriction.map { " AND b.member_id IN (\($0))" } ?? ""
        let clear = totalEdges.map { "NOT (\($0) BETWEEN b.first_paid_at AND b.last_paid_at)" }.joined(separator: " AND ")
        let straddling = totalEdges.map { "(b.month = date_trunc('month', \($0), 'UTC') AND \($0) BETWEEN b.first_paid_at AND b.last_paid_at)" }
            .joined(separator: " OR ")
        return """
            t \(cte) (SELECT o.mid, \(totalColumns.enumerated().map { "\($1) AS t\($0)" }.joined(separator: ", "))
                  FROM (SELECT b.member_id AS mid, b.last_paid_at AS paid_at, b.first_paid_at, b.purchases AS n, b.spend_fen AS spend
                        FROM member_purchase_month b
                        WHERE b.last_paid_at <= $1::timestamptz AND \(clear)\(restricted)
                        UNION ALL
                        SELECT b.member_id, o.paid_at, o.paid_at, 1, o.amount_fen - o.refunded_fen
                        FROM member_purchase_month b JOIN account a ON a.member_id = b.member_id
                             JOIN shop_order o ON o.account_id = a.id AND o.paid_at >= b.month AND o.paid_at < member_purchase_month_end(b.month)
                        WHERE (\(straddling)) AND o.paid_at <= $1::timestamptz AND o.refunded_fen < o.amount_fen\(restricted)) o
                  GROUP BY o.mid)
            """
    }
}

import CRMDomain
import CRMPostgres

/// Finds, in one batch of member ids, the members a standing campaign's trigger brings in on an
/// evaluation, each with the key of their entry (touched once per key):
/// - a lifecycle stage as segments compute it (the `SegmentCompiler`'s lifecycle expression and
///   thresholds): members in the stage at the evaluation time whose stay in it began at or after
///   the campaign started. A stay is keyed by the purchase it follows, so it keeps its key however
///   long the member stays and whatever the thresholds do, and ends when the member leaves the
///   stage (a new purchase, or the next stage): `silent:2026-05-20` is the silent stay after the
///   purchase of 20 May (merchant's date); `new` and `active` stays are keyed by the purchase that
///   began them, `prospect` (never bought; the stay began at registration) once.
/// - the birthday month: members born in the evaluation day's month, once a year (`birthday:2026`).
/// The campaign's saved segment, when it has one, further filters both.
struct StandingEntries {
    let c: PostgresConnection

    /// The batch and the evaluation.
    struct Batch {
        /// Member ids after this, up to and including `upTo`.
        var after: Int64
        var upTo: Int64
        /// The evaluation time (RFC 3339): the stage is the one at this time.
        var asOf: String
        /// When the campaign started (RFC 3339): stays that began before are not entries.
        var since: String
    }

    /// A member brought in, and the entry's key.
    struct Entry: Equatable {
        var member: Int64
        var key: String
    }

    func lifecycle(_ stage: LifecycleStage, segment: SegmentFilter?, context: SegmentCompiler.Context, batch: Batch) throws -> [Entry] {
        var comp = SegmentCompiler(context: context, asOf: batch.asOf)
        var predicate = comp.predicate(.condition(.lifecycle([stage])))
        let (anchor, began) = stay(stage, &comp)
        predicate += " AND (\(began)) >= \(comp.binder.bind(.text(batch.since)))::timestamptz AND (\(began)) <= $1::timestamptz"
        let select = "m.id, \(key(stage, anchor: anchor, &comp))"
        return try run(&comp, select: select, predicate: predicate, segment: segment, batch: batch).map {
            Entry(member: try $0.decode(at: 0), key: try $0.decode(at: 1))
        }
    }

    /// Members born in `month` (the evaluation day's), with the entry of `year`: the birth dates of
    /// that month compared with the members' blind-index birthdays in SQL, as a segment's
    /// `birthday` condition is (nothing is decrypted).
    func birthdays(month: Int64, year: Int64, segment: SegmentFilter?, context: SegmentCompiler.Context, batch: Batch) throws -> [Entry] {
        var comp = SegmentCompiler(context: context, asOf: batch.asOf)
        let born = comp.birthday(.months([Int(month)]))
        return try run(&comp, select: "m.id", predicate: "COALESCE(\(born), false)", segment: segment, batch: batch).map {
            Entry(member: try $0.decode(at: 0), key: "birthday:\(year)")
        }
    }

    /// The statement over the batch's members (the passes over purchases read only theirs), the
    /// segment's filter ANDed in.
    private func run(_ comp: inout SegmentCompiler, select: String, predicate: String, segment: SegmentFilter?, batch: Batch) throws -> PostgresResult {
        var predicate = predicate
        if let segment {
            predicate += " AND \(comp.predicate(segment))"
            comp.restrict(to: segment)
        }
        let range = "m.id > \(comp.binder.bind(.int(batch.after))) AND m.id <= \(comp.binder.bind(.int(batch.upTo)))"
        comp.restriction = "SELECT m.id FROM member m WHERE \(range)" + (comp.restriction.map { " AND m.id IN (\($0))" } ?? "")
        let sql = comp.statement(select: select, predicate: "\(range) AND \(predicate)") + " ORDER BY m.id"
        return try c.queryPrepared(sql, comp.binder.values)
    }

    /// The purchase a stay in `stage` follows (its key; NULL for `prospect`) and when the stay
    /// began, as SQL over the compiler's purchase columns. The stage's own test is the compiler's;
    /// these only date the stay the member is in.
    private func stay(_ stage: LifecycleStage, _ comp: inout SegmentCompiler) -> (anchor: String, began: String) {
        let t = comp.context.lifecycle
        func days(_ n: Int, after instant: String) -> String { "\(instant) + \(comp.binder.bind(.int(Int64(n))))::int * interval '1 day'" }
        switch stage {
        case .prospect:
            // Joined: registered (the earliest account's registration, as the segments' `registered`).
            return ("NULL::timestamptz", "(SELECT min(COALESCE(a.registered_at, a.created_at)) FROM account a WHERE a.member_id = m.id)")
        case .new:
            let first = comp.firstPurchase()
            return (first, first)
        case .active:
            // The first purchase of the current run of purchases (each within active_days of the one
            // before): the member came back then, or — the run starting with the first purchase —
            // became active when no longer new.
            let first = comp.firstPurchase()
            let gap = comp.binder.bind(.int(Int64(t.activeDays)))
            let start = """
                (SELECT max(x.paid_at) FROM (SELECT o.paid_at, lag(o.paid_at) OVER (ORDER BY o.paid_at, o.order_id) AS prev
                    FROM order_key o JOIN account a ON a.id = o.account_id
                    WHERE a.member_id = m.id AND o.paid_at <= $1::timestamptz AND o.refunded_fen < o.amount_fen) x
                 WHERE x.prev IS NULL OR x.paid_at - x.prev > \(gap)::int * interval '1 day')
                """
            return (start, "CASE WHEN \(start) = \(first) THEN \(days(t.newDays, after: first)) ELSE \(start) END")
        case .silent:
            let last = comp.lastPurchase()
            return (last, days(t.activeDays, after: last))
        case .sleeping:
            let last = comp.lastPurchase()
            return (last, days(t.silentDays, after: last))
        case .churned:
            let last = comp.lastPurchase()
            return (last, days(t.sleepingDays, after: last))
        }
    }

    /// `stage:YYYY-MM-DD` (the anchor's date in the merchant's offset), or the stage alone.
    private func key(_ stage: LifecycleStage, anchor: String, _ comp: inout SegmentCompiler) -> String {
        guard stage != .prospect else { return "\(comp.binder.bind(.text(stage.rawValue)))::text" }
        let offset = comp.binder.bind(.int(Int64(comp.context.offsetMinutes)))
        let date = "to_char((\(anchor) AT TIME ZONE 'UTC') + \(offset)::int * interval '1 minute', 'YYYY-MM-DD')"
        return "\(comp.binder.bind(.text(stage.rawValue + ":")))::text || \(date)"
    }
}

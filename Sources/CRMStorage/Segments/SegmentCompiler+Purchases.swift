import Foundation

/// The compiler's one pass over the purchases, from the member purchases kept at ingest
/// (`member_purchase`, `PurchaseRows`: one narrow row per purchase, keyed by member, items as
/// dictionary ids) or, with `CRM_PURCHASE_ROWS=off`, from the orders joined with their accounts (the
/// statements before those rows, kept to compare with). Both select the same purchases: paid orders
/// not wholly refunded, paid at or before the evaluation time `$1`.
extension SegmentCompiler {
    /// The pass's `SELECT … GROUP BY` yielding `mid` and `columns` (aggregates over `o`), limited to
    /// the members of `restriction` when there is one.
    func purchasesPass(_ columns: String) -> String {
        if context.purchaseRows {
            return """
                SELECT o.member_id AS mid, \(columns)
                      FROM member_purchase o
                      WHERE o.paid_at <= $1::timestamptz\(restriction.map { " AND o.member_id IN (\($0))" } ?? "")
                      GROUP BY o.member_id
                """
        }
        return """
            SELECT a.member_id AS mid, \(columns)
                  FROM shop_order o JOIN account a ON a.id = o.account_id
                  WHERE o.paid_at <= $1::timestamptz AND o.refunded_fen < o.amount_fen\(restriction.map { " AND a.member_id IN (\($0))" } ?? "")
                  GROUP BY a.member_id
            """
    }

    /// The same columns over one member's purchases (`m`, the statement's member), for a lateral
    /// join (`PurchasePass.perMember`). It always yields one row: a member who never bought gets
    /// counts of 0 and NULL for the rest, as the grouped pass's missing row reads through the
    /// conditions' COALESCE.
    func purchasesOfMember(_ columns: String) -> String {
        "SELECT \(columns) FROM member_purchase o WHERE o.member_id = m.id AND o.paid_at <= $1::timestamptz"
    }
}

/// Whether segments and reports read the member purchases (`member_purchase`): yes unless crmd's
/// environment says `CRM_PURCHASE_ROWS=off`, which gives the statements before them (the same
/// members and figures, more slowly; `scripts/bench segments` times both in one run). The rows are
/// kept and verified either way.
enum PurchaseRowsSwitch {
    static let inForce = ProcessInfo.processInfo.environment["CRM_PURCHASE_ROWS"] != "off"
}

import CRMJSON
import CRMPostgres
import CRMText
import Logging

/// Folds the merchant text of rows written before script folding existed (migration 8 lists how
/// far each table goes): item names and categories of orders, members' regions, tag rules'
/// keywords. Runs after migrating, under the migration lock, in batches by id, each batch
/// committed with its progress, so a crmd stopped half-way continues where it stopped.
struct ScriptFoldBackfill {
    static let batchSize: Int64 = 5_000

    let connection: PostgresConnection
    let logger: Logger
    var folder: ScriptFolder { .shared }

    func run() throws {
        let pending = try connection.query("SELECT table_name FROM script_fold_backfill ORDER BY table_name").map { try $0.decode(String.self, at: 0) }
        for table in pending {
            logger.info("folding Chinese scripts of rows written before folding", metadata: ["table": "\(table)"])
            var rows = 0
            while let folded = try batch(table) { rows += folded }
            logger.info("script folding done", metadata: ["table": "\(table)", "rows_changed": "\(rows)"])
        }
    }

    /// Folds one batch of `table` and records the progress; the rows changed, or nil when it was done.
    private func batch(_ table: String) throws -> Int? {
        try connection.transaction { c in
            guard let progress = try c.query("SELECT next_id, last_id FROM script_fold_backfill WHERE table_name = $1 FOR UPDATE", [.text(table)]).single else {
                return nil
            }
            let from: Int64 = try progress.decode(at: 0)
            let last: Int64 = try progress.decode(at: 1)
            guard from <= last else {
                try c.query("DELETE FROM script_fold_backfill WHERE table_name = $1", [.text(table)])
                return nil
            }
            let through = min(last, from + Self.batchSize - 1)
            let changed: Int
            switch table {
            case "shop_order": changed = try orders(c, from, through)
            case "member": changed = try members(c, from, through)
            case "tag_rule": changed = try rules(c, from, through)
            default: preconditionFailure("the table_name check allows no other table")
            }
            try c.query("UPDATE script_fold_backfill SET next_id = $2 WHERE table_name = $1", [.text(table), .int(through + 1)])
            return changed
        }
    }

    private func orders(_ c: PostgresConnection, _ from: Int64, _ through: Int64) throws -> Int {
        var ids: [Int64] = [], folds: [String?] = []
        for row in try c.query("SELECT id, items::text FROM shop_order WHERE id BETWEEN $1 AND $2", [.int(from), .int(through)]) {
            if let folded = folder.foldedIfChanged(try row.decode(String.self, at: 1)) {
                ids.append(try row.decode(at: 0))
                folds.append(folded)
            }
        }
        guard !ids.isEmpty else { return 0 }
        try c.query(
            "UPDATE shop_order o SET items_fold = t.f::jsonb FROM unnest($1::bigint[], $2::text[]) AS t(id, f) WHERE o.id = t.id",
            [.intArray(ids), .textArray(folds)])
        try PurchaseRows(c: c).refold(ids)
        return ids.count
    }

    /// Members' regions. Their addresses are sealed (migration 15 dropped `address_fold`): address
    /// keywords compare `address_grams`, made from the folded address when it is sealed.
    private func members(_ c: PostgresConnection, _ from: Int64, _ through: Int64) throws -> Int {
        var ids: [Int64] = [], regions: [String?] = []
        for row in try c.query("SELECT id, region FROM member WHERE id BETWEEN $1 AND $2", [.int(from), .int(through)]) {
            guard let region = try row.decode(String?.self, at: 1).flatMap(folder.foldedIfChanged) else { continue }
            ids.append(try row.decode(at: 0))
            regions.append(region)
        }
        guard !ids.isEmpty else { return 0 }
        try c.query(
            "UPDATE member m SET region_fold = t.r FROM unnest($1::bigint[], $2::text[]) AS t(id, r) WHERE m.id = t.id", [.intArray(ids), .textArray(regions)])
        return ids.count
    }

    private func rules(_ c: PostgresConnection, _ from: Int64, _ through: Int64) throws -> Int {
        var changed = 0
        for row in try c.query(
            """
            SELECT id, to_json(name_contains)::text, to_json(skus)::text, to_json(categories)::text, to_json(address_contains)::text
            FROM tag_rule WHERE id BETWEEN $1 AND $2
            """, [.int(from), .int(through)])
        {
            var lists: [PostgresValue] = [.int(try row.decode(at: 0))]
            for column in 1...4 {
                guard let text = try row.decode(String?.self, at: column), case .array(let words)? = try? JSONParser.parse(text) else {
                    lists.append(.null)
                    continue
                }
                lists.append(.textArray(words.map { $0.stringValue.map(folder.fold) }))
            }
            try c.query(
                "UPDATE tag_rule SET name_contains = $2::text[], skus = $3::text[], categories = $4::text[], address_contains = $5::text[] WHERE id = $1", lists
            )
            changed += 1
        }
        return changed
    }
}

import CRMDomain
import CRMPostgres

/// A live member and every member merged into it, transitively: the one person erasure and export
/// are about (a merged member's accounts, orders and points answer through the survivor).
struct MemberFamily {
    /// The live member.
    let live: Int64
    /// The live member first, then the members merged into it, by id.
    let members: [Int64]

    /// The family of the member `id` answers for now (following merges).
    static func of(_ c: PostgresConnection, _ id: Int64) throws -> MemberFamily {
        let live = try MemberMerger.liveMember(c, id)
        let merged = try c.queryPrepared(
            """
            WITH RECURSIVE family(id) AS (
                SELECT $1::bigint UNION SELECT m.id FROM member m JOIN family f ON m.merged_into = f.id
            )
            SELECT id FROM family WHERE id <> $1 ORDER BY id
            """, [.int(live)]
        ).map { try $0.decode(Int64.self, at: 0) }
        return MemberFamily(live: live, members: [live] + merged)
    }

    /// The history action that marks an erased member; every member of an erased family carries it.
    static let erasedAction = "erased"

    /// Whether any of `members` was erased.
    static func anyErased(_ c: PostgresConnection, _ members: [Int64]) throws -> Bool {
        try !c.queryPrepared(
            "SELECT 1 FROM member_history WHERE member_id = ANY($1::bigint[]) AND action = $2 LIMIT 1",
            [.intArray(members), .text(erasedAction)]
        ).isEmpty
    }

    /// Refuses a merge or an unmerge that involves an erased member: erasure is irreversible, and
    /// joining a pseudonymous member to a person would tie its books to them again.
    static func refuseErased(_ c: PostgresConnection, _ members: [Int64], doing what: String) throws {
        guard
            let erased = try c.queryPrepared(
                "SELECT min(member_id) FROM member_history WHERE member_id = ANY($1::bigint[]) AND action = $2",
                [.intArray(members), .text(erasedAction)]
            ).single?.decode(Int64?.self, at: 0)
        else { return }
        throw StorageError.conflict(reason: .memberErased, message: "cannot \(what): member \(erased) was erased")
    }

    /// Refuses to undo merge `recordID` when either member of it was erased (an unknown merge passes:
    /// the unmerge itself says it does not exist).
    static func refuseErased(_ c: PostgresConnection, mergeRecord recordID: Int64) throws {
        guard let row = try c.queryPrepared("SELECT survivor_id, merged_id FROM merge_record WHERE id = $1", [.int(recordID)]).single else { return }
        try refuseErased(c, [try row.decode(at: 0), try row.decode(at: 1)], doing: "undo merge \(recordID)")
    }
}

import CRMDomain
import CRMProtocol
import CRMStorage

/// The access audit: `audit.list`, and `record`, which every method that shows unmasked personal
/// data calls before it answers (so a read whose row could not be written is not shown).
enum AuditMethods {
    typealias Audit = RPC.Audit

    /// Appends the row of a read of unmasked personal data, when the caller sees it unmasked
    /// (operators and admins; analysts' lookups have `LookupAudit`). Nothing for no member shown.
    static func record(_ call: CallContext, context: ServerContext, method: String, fields: [String], members: [Int64]) async throws {
        guard let entry = entry(call.session?.identity, method: method, fields: fields, members: members) else { return }
        try await context.accessAudit.record(tokenID: entry.tokenID, method: entry.method, fields: entry.fields, members: entry.members)
    }

    /// The row a read by `identity` must leave, for a store that writes it with the read itself;
    /// nil when the caller sees personal data masked or the read showed nothing.
    static func entry(_ identity: TokenIdentity?, method: String, fields: [String], members: [Int64]) -> AccessAuditEntry? {
        guard let identity, identity.role == .admin || identity.role == .operator else { return nil }
        guard !members.isEmpty || !fields.isEmpty else { return nil }
        return AccessAuditEntry(tokenID: identity.tokenID, method: method, fields: fields, members: members)
    }

    /// The personal fields `members` hold a value in, as the audit names them.
    static func fields(of members: [MemberRecord]) -> [String] {
        let held: [(String, (MemberRecord) -> String?)] = [
            ("name", \.name), ("phone", \.phone), ("email", \.email), ("birthday", \.birthday), ("address", \.address),
        ]
        return held.filter { field in members.contains { field.1($0) != nil } }.map(\.0)
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Audit.List.self, access: .admin, scope: .merchantWide) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let rows = try await context.accessAudit.list(
                    memberID: p.memberID?.value, tokenName: p.token, beforeID: try paging.afterID(), limit: paging.fetchLimit)
                let page = paging.page(of: rows, key: { String($0.id) }) { r in
                    Audit.Entry(
                        id: r.id, at: r.at, tokenID: r.tokenID, tokenName: r.tokenName, method: r.method, fields: r.fields,
                        memberCount: Int64(r.memberCount), memberIDs: r.members.map { MemberID($0) })
                }
                return Audit.List.Result(entries: page.items, nextCursor: page.next)
            }
        ]
    }
}

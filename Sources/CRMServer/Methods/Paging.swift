import CRMDomain
import CRMProtocol

/// The `cursor` and `limit` parameters every list method takes, read once.
struct Paging {
    let afterKey: String?
    let limit: Int

    /// The paging of a typed request (its limits already checked by the contract's field rules).
    init(cursor: String?, limit: Int?) throws(RPCError) {
        self.limit = limit ?? PageCursor.defaultLimit
        if let cursor {
            guard let key = PageCursor.decode(cursor) else { throw Self.badCursor }
            afterKey = key
        } else {
            afterKey = nil
        }
    }

    /// The cursor's key as a number (the list is ordered by an id).
    func afterID() throws(RPCError) -> Int64? {
        guard let afterKey else { return nil }
        guard let v = Int64(afterKey) else { throw Self.badCursor }
        return v
    }

    /// The page's items, mapped, and the cursor of the next page (nil at the end).
    func page<T, R>(of items: [T], key: (T) -> String, map: (T) -> R) -> (items: [R], next: String?) {
        let shown = Array(items.prefix(limit))
        let next = items.count > limit ? PageCursor.encode(key(shown.last!)) : nil
        return (shown.map(map), next)
    }

    /// A page of which only the items `keep` allows are shown (a token limited to shops): the
    /// cursor still walks every item, so a page may be short, or even empty with a next cursor.
    func page<T, R>(of items: [T], key: (T) -> String, keep: (T) -> Bool, map: (T) -> R) -> (items: [R], next: String?) {
        let walked = page(of: items, key: key, map: { $0 })
        return (walked.items.filter(keep).map(map), walked.next)
    }

    /// A cursor crmd did not issue (or one of another list).
    static let badCursor = RPCError.invalidParams("cursor is not one this server issued", field: "cursor", reason: .badCursor)

    /// Fetches one more than the page size to learn whether there is a next page.
    var fetchLimit: Int { limit + 1 }
}

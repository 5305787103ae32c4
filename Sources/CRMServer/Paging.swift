import CRMDomain
import CRMProtocol

/// The `cursor` and `limit` parameters every list method takes, read once.
struct Paging {
    let afterKey: String?
    let limit: Int

    init(_ params: Params) throws(RPCError) {
        limit = Int(try params.optionalInt("limit", in: 1...Int64(PageCursor.maxLimit)) ?? Int64(PageCursor.defaultLimit))
        if let cursor = try params.optionalString("cursor", maxLength: 1_000) {
            guard let key = PageCursor.decode(cursor) else {
                throw .invalidParams("cursor is not one this server issued", field: params.field("cursor"), reason: "bad_cursor")
            }
            afterKey = key
        } else {
            afterKey = nil
        }
    }

    /// Fetches one more than the page size to learn whether there is a next page.
    var fetchLimit: Int { limit + 1 }

    /// The page's items and the cursor of the next page (`null` at the end).
    func page<T>(_ items: [T], key: (T) -> String, render: (T) -> JSONValue) -> (items: JSONValue, next: JSONValue) {
        let shown = Array(items.prefix(limit))
        let next: JSONValue = items.count > limit ? .string(PageCursor.encode(key(shown.last!))) : .null
        return (.array(shown.map(render)), next)
    }
}

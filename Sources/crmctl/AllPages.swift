/// Reads every page of a list method: `page` fetches the page after a cursor (nil: the first) and
/// returns its items and the next page's cursor (nil after the last).
func allPages<Item>(_ page: (String?) async throws -> (items: [Item], next: String?)) async throws -> [Item] {
    var items: [Item] = []
    var cursor: String? = nil
    repeat {
        let fetched = try await page(cursor)
        items += fetched.items
        cursor = fetched.next
    } while cursor != nil
    return items
}

/// A dictionary with a bound on its entries for memory caches of values that are cheap to make
/// again: once an insertion would take it past `capacity`, it starts again empty. No recency to
/// keep up; a cache whose working set fits refills in one pass, one that does not was not helping.
public struct BoundedTable<Key: Hashable, Value> {
    public let capacity: Int
    private var entries: [Key: Value] = [:]

    public init(capacity: Int) {
        precondition(capacity > 0, "a table holds at least one entry")
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    public subscript(key: Key) -> Value? { entries[key] }

    /// Stores `pairs`, emptying the table first when they would not fit beside what it holds.
    public mutating func store(_ pairs: some Collection<(Key, Value)>) {
        if entries.count + pairs.count > capacity { entries.removeAll(keepingCapacity: true) }
        for (key, value) in pairs.prefix(capacity) { entries[key] = value }
    }
}

extension BoundedTable: Sendable where Key: Sendable, Value: Sendable {}

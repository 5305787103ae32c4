/// A dictionary with a bound on its entries for memory caches of values that are cheap to make
/// again. It keeps two generations of at most half the capacity each: new entries go into the
/// recent one, and when it is full the older one is dropped and the recent one takes its place. An
/// entry found in the older generation moves back into the recent one, so what is still in use
/// survives a turn and what is not is dropped within two. No recency to keep up per entry; a working
/// set a little larger than the capacity keeps most of its hits (a table emptied whole when full
/// lost all of them at once, every time it filled).
public struct BoundedTable<Key: Hashable, Value> {
    public let capacity: Int
    private var recent: [Key: Value] = [:]
    private var older: [Key: Value] = [:]

    public init(capacity: Int) {
        precondition(capacity >= 2, "a table holds two generations of at least one entry each")
        self.capacity = capacity
    }

    /// Entries of the recent generation at most.
    private var generation: Int { capacity / 2 }

    public var count: Int { recent.count + older.count }

    /// The value of `key`, moved into the recent generation when it was found in the older one.
    public mutating func lookup(_ key: Key) -> Value? {
        if let value = recent[key] { return value }
        guard let value = older.removeValue(forKey: key) else { return nil }
        insert(key, value)
        return value
    }

    /// Stores `pairs` in the recent generation, turning generations over whenever it is full.
    public mutating func store(_ pairs: some Collection<(Key, Value)>) {
        for (key, value) in pairs { insert(key, value) }
    }

    private mutating func insert(_ key: Key, _ value: Value) {
        older.removeValue(forKey: key)
        if recent[key] == nil, recent.count >= generation {
            older = recent
            recent = [:]
            older.removeValue(forKey: key)
        }
        recent[key] = value
        assert(count <= capacity, "a bounded table over its capacity")
    }
}

extension BoundedTable: Sendable where Key: Sendable, Value: Sendable {}

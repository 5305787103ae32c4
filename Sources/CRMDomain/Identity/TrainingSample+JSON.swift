import CRMJSON

extension TrainingSample {
    /// The sample as a training job keeps it between batches: pattern counts, sorted, so the same
    /// sample always writes the same text. `{"accounts", "sampled_accounts", "random": [[levels…, n]],
    /// "blocked": [[levels…, rules, n]], "known": [[levels…, n]]}`.
    public var json: JSONObject {
        [
            "accounts": .int(accounts), "sampled_accounts": .int(sampledAccounts),
            "random": .array(Self.rows(random.map { ($0.key.levels, $0.value) })),
            "blocked": .array(Self.rows(blocked.map { ($0.key.vector.levels + [Int8(bitPattern: $0.key.rules)], $0.value) })),
            "known": .array(Self.rows(known.map { ($0.key.levels, $0.value) })),
            "name_holders": Self.counts(nameHolders), "address_holders": Self.counts(addressHolders),
        ]
    }

    private static func counts(_ h: HolderCounts) -> JSONValue { .array([.int(Int64(h.accounts)), .int(Int64(h.sum)), .int(Int64(h.squares))]) }

    /// `[accounts, Σk, Σk²]`; absent in a sample stored before holders were counted (then none).
    private static func counts(_ value: JSONValue?) throws(TrainingSampleError) -> HolderCounts {
        guard let value else { return HolderCounts() }
        guard let items = value.arrayValue?.compactMap(\.int64Value), items.count == 3, items.allSatisfy({ $0 >= 0 }) else {
            throw TrainingSampleError(message: "holder counts are three numbers: accounts, sum and sum of squares")
        }
        return HolderCounts(accounts: Int(items[0]), sum: Int(items[1]), squares: Int(items[2]))
    }

    /// A sample from `json`, checked: every pattern has one level per field (in range) and a count.
    public init(json: JSONObject) throws(TrainingSampleError) {
        self.init()
        guard let accounts = json["accounts"]?.int64Value, let sampled = json["sampled_accounts"]?.int64Value else {
            throw TrainingSampleError(message: "a training sample needs accounts and sampled_accounts")
        }
        self.accounts = Int(accounts)
        self.sampledAccounts = Int(sampled)
        nameHolders = try Self.counts(json["name_holders"])
        addressHolders = try Self.counts(json["address_holders"])
        let fields = MatchField.allCases.count
        for (levels, n) in try Self.patterns(json["random"], width: fields) { random[try Self.vector(levels), default: 0] += n }
        for (levels, n) in try Self.patterns(json["known"], width: fields) { known[try Self.vector(levels), default: 0] += n }
        for (levels, n) in try Self.patterns(json["blocked"], width: fields + 1) {
            let pattern = Pattern(vector: try Self.vector(Array(levels.prefix(fields))), rules: UInt8(truncatingIfNeeded: levels[fields]))
            blocked[pattern, default: 0] += n
        }
    }

    /// `[levels…, n]` rows, in the order of their levels.
    private static func rows(_ counts: [([Int8], Int)]) -> [JSONValue] {
        counts.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map { levels, n in
            .array(levels.map { .int(Int64($0)) } + [.int(Int64(n))])
        }
    }

    private static func patterns(_ value: JSONValue?, width: Int) throws(TrainingSampleError) -> [([Int8], Int)] {
        guard let rows = value?.arrayValue else { throw TrainingSampleError(message: "a training sample lists random, blocked and known patterns") }
        var out: [([Int8], Int)] = []
        for row in rows {
            guard let items = row.arrayValue, items.count == width + 1 else {
                throw TrainingSampleError(message: "a pattern has \(width) numbers and a count")
            }
            let numbers = items.compactMap(\.int64Value)
            guard numbers.count == items.count, numbers.dropLast().allSatisfy({ (-1...255).contains($0) }), numbers.last! > 0 else {
                throw TrainingSampleError(message: "a pattern's numbers are levels (or -1) and a positive count")
            }
            out.append((numbers.dropLast().map { Int8(truncatingIfNeeded: $0) }, Int(numbers.last!)))
        }
        return out
    }

    private static func vector(_ levels: [Int8]) throws(TrainingSampleError) -> ComparisonVector {
        for (field, level) in zip(MatchField.allCases, levels) where level != ComparisonVector.missing {
            guard (0..<Int8(field.levels.count)).contains(level) else {
                throw TrainingSampleError(message: "\(field.rawValue) has no level \(level)")
            }
        }
        return ComparisonVector(levels: levels)
    }
}

/// Why a stored training sample could not be read.
public struct TrainingSampleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

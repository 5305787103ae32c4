/// The samples of a Prometheus text exposition, read back. swift-prometheus's collectors can be
/// written but not read, so `server.stats` and `SecurityCounters.snapshot` read the registry's own
/// output: what they show is what `/metrics` shows, with no second set of counts to drift.
struct PrometheusSamples: Sendable {
    /// One line's labels and value.
    struct Sample: Sendable, Equatable {
        var labels: [String: String]
        var value: Double
    }

    private var byName: [String: [Sample]] = [:]

    /// Reads `name{label="value",…} value` lines; comments and lines it cannot read are skipped.
    init(exposition: String) {
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let (name, sample) = Self.parse(line) else { continue }
            byName[name, default: []].append(sample)
        }
    }

    /// Every sample of `name` (a histogram's are `name_bucket`, `name_sum`, `name_count`).
    func series(_ name: String) -> [Sample] { byName[name] ?? [] }

    /// The value of `name` with exactly these labels; 0 when there is none (a series not made yet).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        series(name).first { $0.labels == labels }?.value ?? 0
    }

    /// `value` as a count: Prometheus writes every number as a float, counts are whole.
    func count(_ name: String, _ labels: [String: String] = [:]) -> Int64 {
        Int64(value(name, labels).rounded())
    }

    static func parse(_ line: Substring) -> (String, Sample)? {
        guard let nameEnd = line.firstIndex(where: { $0 == "{" || $0 == " " }) else { return nil }
        let name = String(line[..<nameEnd])
        var labels: [String: String] = [:]
        var rest = line[nameEnd...]
        if rest.first == "{" {
            guard let (parsed, after) = parseLabels(rest.dropFirst()) else { return nil }
            labels = parsed
            rest = after
        }
        guard let text = rest.split(separator: " ").first else { return nil }
        let value = text == "+Inf" ? Double.infinity : Double(text)
        return value.map { (name, Sample(labels: labels, value: $0)) }
    }

    /// `key="value",…}` with the exposition's escapes (`\\`, `\"`, `\n`); returns what follows `}`.
    private static func parseLabels(_ text: Substring) -> ([String: String], Substring)? {
        var labels: [String: String] = [:]
        var rest = text
        while rest.first != "}" {
            guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)...].first == "\"" else { return nil }
            let key = String(rest[..<equals])
            var value = ""
            var index = rest.index(equals, offsetBy: 2)
            while index < rest.endIndex, rest[index] != "\"" {
                if rest[index] == "\\", rest.index(after: index) < rest.endIndex {
                    index = rest.index(after: index)
                    value.append(rest[index] == "n" ? "\n" : rest[index])
                } else {
                    value.append(rest[index])
                }
                index = rest.index(after: index)
            }
            guard index < rest.endIndex else { return nil }
            labels[key] = value
            rest = rest[rest.index(after: index)...]
            if rest.first == "," { rest = rest.dropFirst() }
        }
        return (labels, rest.dropFirst())
    }
}

import CRMCommandLine
import CRMProtocol
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the columns of a CSV export become events: read from a JSON mapping file (see
/// docs/store-sync.md). One mapping describes one kind of export; a file may hold several, each
/// chosen by a file-name pattern, for a directory with members, orders and refunds side by side.
struct CSVMapping {
    /// Where a field's value comes from.
    enum Source {
        case column(String)
        case template([TemplatePart])
        case constant(JSONValue)
    }

    enum TemplatePart {
        case text(String)
        case column(String)
    }

    /// How a cell is written into the event.
    enum Kind: String {
        case string, integer, number
    }

    struct Field {
        /// The path in the event, e.g. ["order", "items", "[]", "sku"].
        var path: [String]
        var source: Source
        var kind: Kind
        var isTimestamp: Bool { path.last.map { $0 == "occurred_at" || $0.hasSuffix("_at") } ?? false }
        /// The path as the mapping file writes it.
        var name: String { path.joined(separator: ".").replacingOccurrences(of: ".[]", with: "[]") }
    }

    var match: String?
    var type: String
    var id: Source
    var channel: String?
    var timezone: String
    var delimiter: UInt8
    var fields: [Field]

    static let eventTypes: Set<String> = ["member.upsert", "order.paid", "order.refunded"]
    static let maxMappingBytes = 1 << 20

    /// Reads a mapping file: one mapping object, or `{"mappings": [{"match": "orders*.csv", …}, …]}`.
    static func load(_ path: String) throws -> [CSVMapping] {
        // Any readable path: a file, a FIFO, the shell's <(…) (see InputFile).
        let data: [UInt8]
        do { data = try InputFile.read(path, maxBytes: Self.maxMappingBytes) } catch { throw SyncFailure("mapping: \(error.description)") }
        let json: JSONValue
        do { json = try JSONParser.parse(data) } catch { throw SyncFailure("mapping \(path) is not JSON: \(error)") }
        if let list = json["mappings"] {
            guard let items = list.arrayValue, !items.isEmpty else { throw SyncFailure("mapping \(path): \"mappings\" must be a non-empty array") }
            return try items.enumerated().map { try CSVMapping(json: $0.element, at: "mappings[\($0.offset)]", file: path) }
        }
        return [try CSVMapping(json: json, at: "", file: path)]
    }

    init(json: JSONValue, at place: String, file: String) throws {
        func fail(_ what: String) -> SyncFailure { SyncFailure("mapping \(file)\(place.isEmpty ? "" : " " + place): \(what)") }
        guard case .object(let o) = json else { throw fail("must be an object") }
        let known: Set<String> = ["match", "type", "id", "channel", "timezone", "delimiter", "fields"]
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) { throw fail("unknown key \"\(unknown)\"") }
        match = o["match"]?.stringValue
        guard let type = o["type"]?.stringValue, Self.eventTypes.contains(type) else {
            throw fail("\"type\" must be one of \(Self.eventTypes.sorted().joined(separator: ", "))")
        }
        self.type = type
        guard let id = o["id"] else { throw fail("\"id\" is required: a column or template that makes each event's id, e.g. \"o-{order_no}\"") }
        self.id = try Self.source(id, fail: { fail("\"id\": " + $0) }).0
        channel = o["channel"]?.stringValue
        if let channel, !knownChannels.contains(channel) { throw fail("\"channel\" must be mobile, web or group_buy") }
        timezone = o["timezone"]?.stringValue ?? "+08:00"
        guard Self.isOffset(timezone) else { throw fail("\"timezone\" must look like +08:00") }
        let delimiterText = o["delimiter"]?.stringValue ?? ","
        guard delimiterText.utf8.count == 1, let d = delimiterText.utf8.first, d != 0x22, d != 0x0A else {
            throw fail("\"delimiter\" must be one character other than a quote or a line break")
        }
        delimiter = d
        guard case .object(let fieldMap)? = o["fields"], fieldMap.count > 0 else { throw fail("\"fields\" must map event paths to columns") }
        var fields: [Field] = []
        for path in fieldMap.keys.sorted() {
            let parts = path.replacingOccurrences(of: "[]", with: ".[]").split(separator: ".").map(String.init)
            guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }), parts.filter({ $0 == "[]" }).count <= 1, parts.last != "[]" else {
                throw fail("field path \"\(path)\" must look like member.name or order.items[].sku")
            }
            let (source, kind) = try Self.source(fieldMap[path]!, fail: { fail("\"\(path)\": " + $0) })
            fields.append(Field(path: parts, source: source, kind: kind))
        }
        if !fields.contains(where: { $0.path == ["occurred_at"] }) {
            // Without an explicit occurred_at, the event's own time field is used.
            let own = ["member.upsert": ["member", "registered_at"], "order.paid": ["order", "paid_at"], "order.refunded": ["refund", "refunded_at"]][type]!
            guard let timeField = fields.first(where: { $0.path == own }) else {
                throw fail("map \"occurred_at\" (or \(own.joined(separator: "."))) to a column")
            }
            fields.append(Field(path: ["occurred_at"], source: timeField.source, kind: .string))
        }
        self.fields = fields
    }

    /// A field's value spec: "column", "text {column} text", {"column": …, "as": …}, {"value": …}.
    private static func source(_ spec: JSONValue, fail: (String) -> SyncFailure) throws -> (Source, Kind) {
        switch spec {
        case .string(let s):
            return (s.contains("{") ? .template(try template(s, fail: fail)) : .column(s), .string)
        case .object(let o):
            let kind: Kind
            if let text = o["as"]?.stringValue {
                guard let k = Kind(rawValue: text) else { throw fail("\"as\" must be string, integer or number") }
                kind = k
            } else {
                kind = .string
            }
            if let column = o["column"]?.stringValue { return (.column(column), kind) }
            if let t = o["template"]?.stringValue { return (.template(try template(t, fail: fail)), kind) }
            if let value = o["value"] { return (.constant(value), kind) }
            throw fail("needs \"column\", \"template\" or \"value\"")
        default:
            throw fail("must be a column name, a template or an object")
        }
    }

    private static func template(_ text: String, fail: (String) -> SyncFailure) throws -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}"), rest.index(after: open) < close else { throw fail("unclosed or empty {…} in \"\(text)\"") }
            parts.append(.column(String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return parts
    }

    static func isOffset(_ text: String) -> Bool {
        let b = Array(text.utf8)
        return b.count == 6 && (b[0] == 0x2B || b[0] == 0x2D) && b[3] == 0x3A && [1, 2, 4, 5].allSatisfy { b[$0] >= 0x30 && b[$0] <= 0x39 }
    }

    /// Whether this mapping is for the file named `name` (a mapping without `match` fits every file).
    func fits(_ name: String) -> Bool {
        guard let match else { return true }
        return fnmatch(match, name, 0) == 0
    }

    /// Every column this mapping reads.
    var columns: [String] {
        var names: [String] = []
        func add(_ s: Source) {
            switch s {
            case .column(let c): names.append(c)
            case .template(let parts): for case .column(let c) in parts { names.append(c) }
            case .constant: break
            }
        }
        add(id)
        fields.forEach { add($0.source) }
        return names
    }

    /// Checks the mapping against a file's header row and returns the row converter.
    func bind(header: [String], file: String) throws -> CSVRowConverter {
        var index: [String: Int] = [:]
        for (i, raw) in header.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces)
            if index[name] == nil { index[name] = i }  // a repeated column name: the first one counts
        }
        let missing = columns.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw SyncFailure(
                "\(file): the mapping reads column(s) \(Set(missing).sorted().joined(separator: ", ")) that the header does not have (it has: \(header.joined(separator: ", ")))"
            )
        }
        return CSVRowConverter(mapping: self, index: index, columnCount: header.count)
    }
}

/// Turns the rows of one CSV file into events, by a mapping bound to that file's header.
struct CSVRowConverter {
    let mapping: CSVMapping
    let index: [String: Int]
    let columnCount: Int

    /// The event a row makes, with its id; or why it cannot make one.
    func event(from row: [String], channel: String?) -> Result<(id: String, event: JSONObject), SyncFailure> {
        guard row.count == columnCount else {
            return .failure(SyncFailure("has \(row.count) fields; the header has \(columnCount)"))
        }
        guard let id = text(mapping.id, row), !id.isEmpty else { return .failure(SyncFailure("the event id is empty")) }
        var event: JSONObject = ["id": .string(id), "type": .string(mapping.type)]
        if let c = mapping.channel ?? channel { event["channel"] = .string(c) }
        for field in mapping.fields {
            let value: JSONValue
            if case .constant(let constant) = field.source {
                value = constant
            } else {
                guard var cell = text(field.source, row), !cell.isEmpty else { continue }
                if field.isTimestamp { cell = Self.timestamp(cell, zone: mapping.timezone) }
                switch field.kind {
                case .string: value = .string(cell)
                case .integer:
                    guard let n = Int64(cell.trimmingCharacters(in: .whitespaces)) else {
                        return .failure(SyncFailure("\(field.name): \"\(cell)\" is not an integer"))
                    }
                    value = .int(n)
                case .number:
                    let trimmed = cell.trimmingCharacters(in: .whitespaces)
                    guard Double(trimmed) != nil, trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }) else {
                        return .failure(SyncFailure("\(field.name): \"\(cell)\" is not a number"))
                    }
                    value = .number(trimmed)
                }
            }
            Self.set(&event, field.path[...], value)
        }
        return .success((id, event))
    }

    /// Adds the array items of `next` (a later row of the same event) to `event`.
    static func appendItems(of next: JSONObject, to event: inout JSONObject) {
        func merge(_ target: inout JSONObject, _ source: JSONObject) {
            for (key, value) in source {
                switch (target[key], value) {
                case (.array(let existing)?, .array(let more)): target[key] = .array(existing + more)
                case (.object(var inner)?, .object(let more)):
                    merge(&inner, more)
                    target[key] = .object(inner)
                default: break
                }
            }
        }
        merge(&event, next)
    }

    private func text(_ source: CSVMapping.Source, _ row: [String]) -> String? {
        switch source {
        case .column(let c): return row[index[c]!]
        case .constant(let v): return v.stringValue
        case .template(let parts):
            var out = ""
            for part in parts {
                switch part {
                case .text(let t): out += t
                case .column(let c):
                    let cell = row[index[c]!]
                    if cell.isEmpty { return nil }
                    out += cell
                }
            }
            return out
        }
    }

    /// Sets `value` at `path`, where "[]" makes (or extends) an array of one item per row.
    static func set(_ object: inout JSONObject, _ path: ArraySlice<String>, _ value: JSONValue) {
        let key = path.first!
        let rest = path.dropFirst()
        if rest.isEmpty {
            object[key] = value
        } else if rest.first == "[]" {
            var items = object[key]?.arrayValue ?? []
            var item: JSONObject = items.last.flatMap { if case .object(let o) = $0 { return o } else { return nil } } ?? [:]
            if items.isEmpty { items.append([:]) }
            set(&item, rest.dropFirst(), value)
            items[items.count - 1] = .object(item)
            object[key] = .array(items)
        } else {
            var inner: JSONObject = { if case .object(let o)? = object[key] { return o } else { return [:] } }()
            set(&inner, rest, value)
            object[key] = .object(inner)
        }
    }

    /// "2026-03-02 12:00[:00]" or "2026-03-02" becomes RFC 3339 in the mapping's zone; a time
    /// that already says its zone is left alone.
    static func timestamp(_ text: String, zone: String) -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        let b = Array(t.utf8)
        func digits(_ r: Range<Int>) -> Bool { r.allSatisfy { $0 < b.count && b[$0] >= 0x30 && b[$0] <= 0x39 } }
        guard b.count >= 10, digits(0..<4), b[4] == 0x2D, digits(5..<7), b[7] == 0x2D, digits(8..<10) else { return text }
        let date = String(t.prefix(10))
        if b.count == 10 { return date + "T00:00:00" + zone }
        guard b[10] == 0x20 || b[10] == 0x54 else { return text }
        let time = String(t.dropFirst(11))
        if time.hasSuffix("Z") || time.contains("+") || time.dropFirst(5).contains("-") { return date + "T" + time }
        guard time.count == 5 || time.count == 8 else { return text }
        return date + "T" + (time.count == 5 ? time + ":00" : time) + zone
    }
}

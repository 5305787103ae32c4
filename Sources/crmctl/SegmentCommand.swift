import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crmctl segment`: saved segments, previews, exports and bulk tagging.
struct SegmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment", abstract: "Save, preview, export and tag segments of members.",
        discussion: "A segment is a JSON filter (docs/segments.md), e.g. {\"and\": [{\"rfm\": {\"r\": [1, 2]}}, {\"tags\": {\"any\": [\"蕾絲\"]}}]}.",
        subcommands: [Save.self, List.self, Show.self, Preview.self, Export.self, TagMembers.self, Delete.self])

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save a filter (a JSON file, or - for standard input) under a name.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Segment name.") var name: String
        @Argument(help: ArgumentHelp("The filter as JSON, or - for standard input.", valueName: "filter.json")) var file: String
        @Option(help: "What the segment is for.") var description: String?

        func run() async throws {
            try await runClientCommand("crmctl") {
                let params = RPC.Segment.Save.Params(name: name, description: description, filter: try readJSONFile(file))
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Segment.Save.self, params)
                    if options.json { return try printJSON(r) }
                    print("segment \(name) saved; `crmctl segment preview \(name)` shows how many members it holds")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List saved segments.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Segment.List.self, .init(limit: 1000))
                    if options.json { return try printJSON(r) }
                    var table = TextTable(headers: ["segment", "description", "updated", "filter"])
                    for s in r.segments {
                        table.add([s.name, s.description ?? "-", s.updatedAt, s.filter.cellText])
                    }
                    print(table.render())
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a saved segment's filter.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Segment name.") var name: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Segment.Get.self, .init(name: name))
                    if options.json { return try printJSON(r) }
                    let s = r.segment
                    printLabelled([("segment", s.name), ("description", s.description ?? "-"), ("filter", s.filter.cellText), ("updated", s.updatedAt)])
                }
            }
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count a segment's members and show a sample (a saved name, or --filter FILE).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Saved segment name.") var name: String?
        @Option(help: ArgumentHelp("A filter as JSON instead of a saved name.", valueName: "filter.json")) var filter: String?
        @Option(help: "How many members to show (0-100).") var sample: Int = 10

        func validate() throws {
            guard (name == nil) != (filter == nil) else { throw ValidationError("give a saved segment's name or --filter FILE") }
        }

        func run() async throws {
            try await runClientCommand("crmctl") {
                let params = RPC.Segment.Preview.Params(name: name, filter: try filter.map(readJSONFile), sample: sample)
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let started = Date()
                    let r = try await client.call(RPC.Segment.Preview.self, params)
                    if options.json { return try printJSON(r) }
                    print(
                        "\(r.count.map(String.init) ?? "?") members (as of \(r.asOf ?? "now"), \(String(format: "%.2f", Date().timeIntervalSince(started))) s)")
                    var table = TextTable(headers: ["member", "name", "phone", "region", "level", "points", "tags"])
                    // Sample members are shown as member.get shows them.
                    for m in r.sample ?? [] {
                        table.add([
                            m.memberID.description, m.name ?? "-", m.phone ?? "-", m.region ?? "-", m.level.code, String(m.points.balance),
                            m.tags.joined(separator: ","),
                        ])
                    }
                    if !(r.sample ?? []).isEmpty { print(table.render()) }
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a segment's members to a CSV or JSON-lines file, page by page, with progress.",
            discussion: "The server takes a snapshot at the first page, so the file is consistent. The file appears (atomically) only when complete.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Segment name.") var name: String
        @Option(help: "Where to write.") var out: String
        @Option(help: "csv or jsonl (default: by the file's extension, csv otherwise).") var format: String?
        @Option(name: .customLong("page-size"), help: "Members per request (1-5000).") var pageSize: Int = 5_000

        static let columns = ["member_id", "name", "phone", "email", "gender", "region", "address", "level", "points", "tags", "created_at"]

        func validate() throws {
            if let format, !["csv", "jsonl"].contains(format) { throw ValidationError("--format must be csv or jsonl") }
            guard (1...5_000).contains(pageSize) else { throw ValidationError("--page-size must be 1 to 5000") }
        }

        func run() async throws {
            let jsonl = (format ?? (out.hasSuffix(".jsonl") || out.hasSuffix(".ndjson") ? "jsonl" : "csv")) == "jsonl"
            try await runClientCommand("crmctl") {
                // Mode 0600: the members' personal data.
                let file = try AtomicFile(out, temporaryPath: out + ".partial")
                if !jsonl { try file.write(CSV.row(Self.columns)) }
                let started = Date()
                var written: Int64 = 0
                var total: Int64 = 0
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let progress = LineProgress()
                    var params = RPC.Segment.Export.Params(name: name, limit: pageSize)
                    while true {
                        let page = try await client.call(RPC.Segment.Export.self, params)
                        total = page.total
                        var text = ""
                        for row in page.members {
                            // The row as the server sent it: JSON lines carry it whole, CSV by column.
                            let m = try JSONValueEncoder().encode(row)
                            if jsonl {
                                text += JSONSerializer.serialize(m) + "\n"
                            } else {
                                text += CSV.row(
                                    Self.columns.map { c -> String in
                                        guard let v = m[c], !v.isNull else { return "" }
                                        if c == "tags" { return (v.arrayValue ?? []).map(\.cellText).joined(separator: "|") }
                                        return v.cellText
                                    })
                            }
                            written += 1
                        }
                        try file.write(text)
                        let rate = Int(Double(written) / max(Date().timeIntervalSince(started), 0.001))
                        progress.show(done: written, of: total, text: "\(written)/\(total) members, \(rate) rows/s")
                        guard let cursor = page.nextCursor else { break }
                        params = .init(cursor: cursor, limit: pageSize)
                    }
                    progress.finish()
                }
                try file.commit()
                let seconds = max(Date().timeIntervalSince(started), 0.001)
                if options.json { return printJSON(.object(["rows": .int(written), "seconds": .double(seconds), "file": .string(out)])) }
                print("wrote \(written) members to \(out) in \(String(format: "%.1f", seconds)) s (\(Int(Double(written) / seconds)) rows/s)")
            }
        }
    }

    struct TagMembers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "tag", abstract: "Put a defined tag on every member of a segment.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Segment name.") var name: String
        @Argument(help: "Tag name.") var tag: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Segment.TagMembers.self, .init(name: name, tag: tag))
                    if options.json { return try printJSON(r) }
                    print("\(r.added) of the segment's \(r.members) members newly tagged \(tag)")
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a saved segment (tags it gave stay).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Segment name.") var name: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Segment.Delete.self, .init(name: name))
                    if options.json { return try printJSON(r) }
                    print("segment \(name) deleted")
                }
            }
        }
    }
}

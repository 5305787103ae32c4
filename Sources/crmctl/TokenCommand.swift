import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Issue, list and revoke access tokens (admin).",
                                                    subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token; it is printed once and never again.")
        @OptionGroup var options: CommonOptions
        @Option(help: "admin, operator, analyst or agent.") var role: String
        @Option(help: "The shop an agent token pushes for.") var shop: String?
        @Option(help: "A name to recognise the token by.") var name: String?

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    var params: JSONObject = ["role": .string(role)]
                    if let shop { params["shop"] = .string(shop) }
                    if let name { params["name"] = .string(name) }
                    let token = try await client.call("token.create", .object(params))
                    if options.json { return printJSON(token) }
                    print(token["token"]?.cellText ?? "?")
                    print("token \(token["id"]?.cellText ?? "?") (\(token["role"]?.cellText ?? "")\(token["shop"]?.stringValue.map { ", shop \($0)" } ?? "")): keep it now, it is not shown again", to: .standardError)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the token text).")
        @OptionGroup var options: CommonOptions
        @Flag(help: "Leave revoked tokens out.") var activeOnly = false

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let tokens = try await fetchAll(client, method: "token.list", key: "tokens", params: ["include_revoked": .bool(!activeOnly)])
                    if options.json { return printJSON(.array(tokens)) }
                    var table = TextTable(headers: ["id", "role", "shop", "name", "created", "last used", "revoked"])
                    for t in tokens {
                        table.add([t["id"]?.cellText ?? "", t["role"]?.cellText ?? "", t["shop"]?.cellText ?? "-", t["name"]?.cellText ?? "",
                                   t["created_at"]?.cellText ?? "", t["last_used_at"]?.cellText ?? "-", t["revoked_at"]?.cellText ?? "-"])
                    }
                    print(table.render())
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id; its sessions end.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Token id (from `crmctl token list`).") var id: Int64

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let token = try await client.call("token.revoke", ["id": .int(id)])
                    if options.json { return printJSON(token) }
                    print("revoked token \(token["id"]?.cellText ?? "?") (\(token["name"]?.cellText ?? "")) at \(token["revoked_at"]?.cellText ?? "?")")
                }
            }
        }
    }
}

/// Reads every page of a paged list method.
    func fetchAll(_ client: RPCClient, method: String, key: String, params: JSONObject = [:], pageSize: Int = 500) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var cursor: JSONValue = .null
        repeat {
            var p = params
            p["limit"] = .int(pageSize)
            if !cursor.isNull { p["cursor"] = cursor }
            let page = try await client.call(method, .object(p))
            items += page[key]?.arrayValue ?? []
            cursor = page["next_cursor"] ?? .null
        } while !cursor.isNull
        return items
    }

    func print(_ text: String, to stream: StandardStream) {
        var s = stream
        Swift.print(text, to: &s)
    }

    /// Standard error as a `TextOutputStream`.
    enum StandardStream: TextOutputStream {
        case standardError
        mutating func write(_ string: String) {
            FileHandleWriter.writeToStandardError(string)
        }
    }

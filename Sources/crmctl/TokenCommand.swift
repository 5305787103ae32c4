import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue, list and revoke access tokens (admin).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token; it is printed once and never again.")
        @OptionGroup var options: CommonOptions
        @Option(help: "admin, operator, analyst or agent.") var role: String
        @Option(help: "The shop an agent token pushes for.") var shop: String?
        @Option(help: "Operator and analyst tokens: the shops they are limited to, by code, separated by commas.") var shops: String?
        @Option(help: "A name to recognise the token by.") var name: String?

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let limited = shops.map { $0.split(separator: ",").map { String($0).trimmingWhitespace() } }
                    let token = try await client.call(RPC.Token.Create.self, .init(role: role, shop: shop, shops: limited, name: name))
                    if options.json { return printJSON(try JSONValueEncoder().encode(token)) }
                    print(token.token)
                    let scope = token.shop.map { ", shop \($0)" } ?? token.shops.map { ", shops \($0.joined(separator: ","))" } ?? ""
                    print("token \(token.id) (\(token.role)\(scope)): keep it now, it is not shown again", to: .standardError)
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
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let tokens = try await allPages { cursor in
                        let page = try await client.call(RPC.Token.List.self, .init(cursor: cursor, limit: pageSize, includeRevoked: !activeOnly))
                        return (page.tokens, page.nextCursor)
                    }
                    if options.json { return printJSON(try JSONValueEncoder().encode(tokens)) }
                    var table = TextTable(headers: ["id", "role", "shop", "name", "created", "last used", "revoked"])
                    for t in tokens {
                        // The shop column: an agent's shop, or the shops an operator or analyst is limited to.
                        table.add([String(t.id), t.role, t.shop ?? t.shops?.joined(separator: ",") ?? "-", t.name, t.createdAt, t.lastUsedAt ?? "-", t.revokedAt ?? "-"])
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
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let token = try await client.call(RPC.Token.Revoke.self, .init(id: id))
                    if options.json { return printJSON(try JSONValueEncoder().encode(token)) }
                    print("revoked token \(token.id) (\(token.name)) at \(token.revokedAt ?? "?")")
                }
            }
        }
    }
}

/// Page size of the list commands.
let pageSize = 500

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

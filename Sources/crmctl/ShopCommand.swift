import ArgumentParser
import CRMCommandLine
import CRMProtocol

struct ShopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shop", abstract: "Create and list shops.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a shop (admin).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Shop code: lower-case letters, digits, - and _ (e.g. sh01).") var code: String
        @Option(help: "Display name, e.g. 旗艦店.") var name: String?

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let shop = try await client.call(RPC.Shop.Create.self, .init(code: code, name: name))
                    if options.json { return printJSON(try JSONValueEncoder().encode(shop)) }
                    print("created shop \(shop.code) (\(shop.name))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List shops.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let shops = try await allPages { cursor in
                        let page = try await client.call(RPC.Shop.List.self, .init(cursor: cursor, limit: pageSize))
                        return (page.shops, page.nextCursor)
                    }
                    if options.json { return printJSON(try JSONValueEncoder().encode(shops)) }
                    var table = TextTable(headers: ["code", "name", "created"])
                    for s in shops { table.add([s.code, s.name, s.createdAt]) }
                    print(table.render())
                }
            }
        }
    }
}

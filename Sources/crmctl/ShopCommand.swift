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
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    var params: JSONObject = ["code": .string(code)]
                    if let name { params["name"] = .string(name) }
                    let shop = try await client.call("shop.create", .object(params))
                    if options.json { return printJSON(shop) }
                    print("created shop \(shop["code"]?.cellText ?? "?") (\(shop["name"]?.cellText ?? ""))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List shops.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let shops = try await fetchAll(client, method: "shop.list", key: "shops")
                    if options.json { return printJSON(.array(shops)) }
                    var table = TextTable(headers: ["code", "name", "created"])
                    for s in shops { table.add([s["code"]?.cellText ?? "", s["name"]?.cellText ?? "", s["created_at"]?.cellText ?? ""]) }
                    print(table.render())
                }
            }
        }
    }
}

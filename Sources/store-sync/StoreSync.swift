import ArgumentParser
import CRMCommandLine
import CRMProtocol

/// `store-sync`: one agent per shop, pushing that shop's events to crmd.
@main
struct StoreSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-sync",
        abstract: "Push one shop's members, orders and refunds to crmd.",
        discussion: "Connection: --server/--token or CRM_SERVER/CRM_TOKEN, as for crmctl.",
        version: RPC.productVersion,
        subcommands: [Push.self, Check.self]
    )

    /// Verifies an agent's deployment: the server answers and the token may push for the shop.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that the server answers and this token may push for --shop.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The shop this agent pushes for.") var shop: String

        func run() async throws {
            try await runClientCommand("store-sync") {
                try await connection.withClient(client: "store-sync/0.1", requireToken: false, hello: false) { client in
                    guard let token = connection.resolvedToken else { throw ValidationError("no token: pass --token or set CRM_TOKEN") }
                    let hello = try await client.call(RPC.Session.Hello.self, .init(token: token, client: "store-sync/0.1"))
                    let role = hello.role
                    let bound = hello.shop
                    if role == "agent", bound != shop {
                        FileHandleWriter.writeToStandardError("store-sync: this token is bound to shop \(bound ?? "-"), not \(shop)\n")
                        throw ExitCode(ClientExit.failed)
                    }
                    if role != "agent", role != "admin" {
                        FileHandleWriter.writeToStandardError("store-sync: a \(role) token may not push events; use an agent token\n")
                        throw ExitCode(ClientExit.failed)
                    }
                    print("ok: \(hello.server) accepts this \(role) token for shop \(shop)")
                }
            }
        }
    }
}

/// The channels events may name (the server checks again; the agent refuses bad flags early).
let knownChannels: Set<String> = ["mobile", "web", "group_buy"]

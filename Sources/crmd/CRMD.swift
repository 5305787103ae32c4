import ArgumentParser
import CRMProtocol

/// `crmd`: the member and loyalty server.
@main
struct CRMD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crmd",
        abstract: "The crm member and loyalty server.",
        discussion: """
            With no database URL, crmd runs a private PostgreSQL under its data directory.
            Every option can also be set through the environment variable named in its help.
            """,
        version: RPC.productVersion,
        subcommands: [Serve.self, Migrate.self, Token.self, Keys.self, OpenRPC.self],
        defaultSubcommand: Serve.self
    )
}

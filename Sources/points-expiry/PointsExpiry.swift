import ArgumentParser
import CRMCommandLine
import CRMProtocol

/// `points-expiry`: the batch job that expires points and lists members to warn.
@main
struct PointsExpiry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points-expiry",
        abstract: "Expire points that are due and list members to warn.",
        discussion: """
            Connection: --server/--token or CRM_SERVER/CRM_TOKEN, as for crmctl; the token must be an operator's or an \
            admin's. `run` (the default) expires what is due, then re-evaluates levels; `warn` writes the warning list \
            as CSV; `notices` writes the expiry notices members are sent; `birthdays` gives the day's birthday gifts; \
            `coupons` expires coupons past their validity; `campaigns` evaluates the standing campaigns; \
            `check` verifies a deployment. Usage and scheduling: docs/points-expiry.md.

            Exit statuses: 0 done; 1 the server refused (the message says why); 64 bad usage; 69 crmd unreachable, \
            the connection lost, or the server said to retry later; 75 another expiry run is going (try again later); \
            130/143 stopped by SIGINT/SIGTERM after the batch in flight (run again to resume).
            """,
        version: RPC.productVersion,
        subcommands: [Run.self, Warn.self, Coupons.self, Notices.self, Birthdays.self, Campaigns.self, Check.self],
        defaultSubcommand: Run.self
    )

    /// Verifies the job's deployment: the server answers and the token is an operator's or admin's.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that the server answers and this token may run the job.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await runClientCommand("points-expiry") {
                try await connection.withClient(client: "points-expiry/0.1", requireToken: false, hello: false) { client in
                    guard let token = connection.resolvedToken else { throw ValidationError("no token: pass --token or set CRM_TOKEN") }
                    let hello = try await client.call(RPC.Session.Hello.self, .init(token: token, client: "points-expiry/0.1"))
                    let role = hello.role
                    guard role == "admin" || role == "operator" else {
                        FileHandleWriter.writeToStandardError("points-expiry: a \(role) token may not run the job; use an operator token\n")
                        throw ExitCode(ClientExit.failed)
                    }
                    print("ok: \(hello.server) accepts this \(role) token")
                }
            }
        }
    }
}

/// One line on standard error, prefixed with the program's name.
func log(_ text: String) {
    FileHandleWriter.writeToStandardError("points-expiry: \(text)\n")
}

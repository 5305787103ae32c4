import ArgumentParser
import CRMCommandLine
import CRMProtocol

/// `points-expiry`: the batch job that expires points and lists members to warn.
@main
struct PointsExpiry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points-expiry",
        abstract: "Expire points that are due and list members to warn.",
        discussion: "Connection: --server/--token or CRM_SERVER/CRM_TOKEN, as for crmctl.",
        version: "0.1.0",
        subcommands: [Check.self]
    )

    /// Verifies the job's deployment: the server answers and the token is an operator's or admin's.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that the server answers and this token may run the job.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await runClientCommand("points-expiry") {
                try await connection.withClient(client: "points-expiry/0.1", requireToken: false, hello: false) { client in
                    guard let token = connection.resolvedToken else { throw ValidationError("no token: pass --token or set CRM_TOKEN") }
                    let hello = try await client.call("session.hello", ["token": .string(token), "client": "points-expiry/0.1"])
                    let role = hello["role"]?.stringValue ?? "?"
                    guard role == "admin" || role == "operator" else {
                        FileHandleWriter.writeToStandardError("points-expiry: a \(role) token may not run the job; use an operator token\n")
                        throw ExitCode(ClientExit.failed)
                    }
                    print("ok: \(hello["server"]?.cellText ?? "crmd") accepts this \(role) token")
                }
            }
        }
    }
}

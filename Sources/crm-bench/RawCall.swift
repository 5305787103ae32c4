import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMJSON
import CRMProtocol

/// `crm-bench rpc`: one call of any method, its result printed as JSON (for what the benchmarks
/// need and crmctl does not show, such as a segment statement's plan).
struct RawCall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rpc", abstract: "Call one method and print its result as JSON.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Method name.") var method: String
    @Option(help: "Params as a JSON object.") var params = "{}"

    func run() async throws {
        try await runClientCommand("crm-bench") {
            let value = try JSONParser.parse(Array(params.utf8))
            try await connection.withClient(client: "crm-bench/0.1") { client in
                printJSON(try await client.call(method, value))
            }
        }
    }
}

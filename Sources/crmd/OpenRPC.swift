import ArgumentParser
import CRMProtocol

/// `crmd openrpc`: prints the OpenRPC document of the wire contract (what `rpc.discover` answers),
/// as `docs/openrpc.json` holds it.
struct OpenRPC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openrpc",
        abstract: "Print the OpenRPC document of crmd's JSON-RPC methods (as rpc.discover answers it).",
        discussion: "docs/openrpc.json is this output: `crmd openrpc > docs/openrpc.json` after changing the contract."
    )

    func run() {
        Swift.print(JSONPrettyPrinter.print(OpenRPCDocument.make()), terminator: "")
    }
}

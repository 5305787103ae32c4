import Foundation
import Testing

@Suite("addresses read alike by crmd and the clients")
struct AddressProcessTests {
    @Test(
        "port 0 is a usage error everywhere, with the same words: crmd --listen, --metrics-listen, CRM_LISTEN, crmctl --server, CRM_SERVER",
        arguments: [
            ("crmd", ["serve", "--listen", "127.0.0.1:0"], [:], "--listen"),
            ("crmd", ["serve", "--metrics-listen", "127.0.0.1:0"], [:], "--metrics-listen"),
            ("crmd", ["serve"], ["CRM_LISTEN": "127.0.0.1:0"], "--listen"),
            ("crmctl", ["health", "--server", "127.0.0.1:0"], [:], "--server"),
            ("crmctl", ["health"], ["CRM_SERVER": "127.0.0.1:0"], "--server"),
        ] as [(String, [String], [String: String], String)])
    func portZero(program: String, arguments: [String], environment: [String: String], option: String) async throws {
        let run = try await runBinary(program, arguments, environment: environment)
        #expect(run.status == 64, "\(program) \(arguments): \(run.status) \(run.stderr)")
        #expect(run.stderr.contains("\(option) must be host:port with a port from 1 to 65535, not 127.0.0.1:0"), "\(run.stderr)")
    }
}

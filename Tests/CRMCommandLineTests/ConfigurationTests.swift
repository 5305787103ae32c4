import ArgumentParser
import CRMCommandLine
import CRMConfiguration
import Testing

@Suite("host:port and environment settings, read alike by crmd and the clients")
struct ConfigurationTests {
    @Test("host:port: names, IPv4, bracketed IPv6, ports 1 to 65535")
    func accepted() {
        #expect(HostPort("127.0.0.1:7433") == HostPort(host: "127.0.0.1", port: 7433))
        #expect(HostPort("localhost:1") == HostPort(host: "localhost", port: 1))
        #expect(HostPort("0.0.0.0:65535") == HostPort(host: "0.0.0.0", port: 65_535))
        #expect(HostPort("[::1]:7433") == HostPort(host: "::1", port: 7433))
        #expect(HostPort("[::1]:7433")?.description == "[::1]:7433")
        #expect(HostPort("db.example.com:9433")?.description == "db.example.com:9433")
    }

    @Test(
        "host:port refuses port 0, ports past 65535, an empty host and a port that is not digits",
        arguments: [
            "127.0.0.1:0", "[::1]:0", "127.0.0.1:65536", ":7433", "[]:7433", "127.0.0.1", "127.0.0.1:", "127.0.0.1:+80",
            "127.0.0.1: 80", "127.0.0.1:80a", "[::1]7433", "[::1:7433", "127.0.0.1:99999999999999999999",
        ])
    func refused(_ text: String) {
        #expect(HostPort(text) == nil)
    }

    @Test("a refused address is a usage error naming the flag and the ports allowed")
    func message() throws {
        #expect(throws: ValidationError.self) { try HostPort.parse("127.0.0.1:0", option: "--listen") }
        do {
            _ = try HostPort.parse("127.0.0.1:0", option: "--listen")
        } catch {
            #expect(error.message == "--listen must be host:port with a port from 1 to 65535, not 127.0.0.1:0")
        }
    }

    @Test("the clients' --server and CRM_SERVER go through the same reading")
    func clients() throws {
        let options = try ConnectionOptions.parse(["--server", "[::1]:7433"])
        let (host, port) = try options.address()
        #expect(host == "::1" && port == 7433)
        let zero = try ConnectionOptions.parse(["--server", "127.0.0.1:0"])
        #expect(throws: ValidationError.self) { try zero.address() }
    }

    @Test("an empty environment variable counts as unset; a number that is not one is refused")
    func environment() throws {
        let environment = ["CRM_A": "value", "CRM_EMPTY": "", "CRM_N": "12", "CRM_BAD": "12x"]
        #expect(Environment.value("CRM_A", in: environment) == "value")
        #expect(Environment.value("CRM_EMPTY", in: environment) == nil)
        #expect(Environment.value("CRM_UNSET", in: environment) == nil)
        #expect(try Environment.int("CRM_N", in: environment) == 12)
        #expect(try Environment.int("CRM_EMPTY", in: environment) == nil)
        do {
            _ = try Environment.int("CRM_BAD", in: environment)
            Issue.record("12x was taken as a number")
        } catch {
            #expect(error.message == "CRM_BAD must be a whole number, not 12x")
        }
    }
}

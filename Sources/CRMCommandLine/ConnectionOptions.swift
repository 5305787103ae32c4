import ArgumentParser
import CRMClient
import CRMConfiguration
import CRMProtocol
import Foundation

/// How every client (crmctl, store-sync, points-expiry) reaches crmd: the same flags and the
/// same environment variables everywhere.
public struct ConnectionOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("server"), help: "crmd address host:port (CRM_SERVER, default 127.0.0.1:7433).")
    public var server: String?

    @Option(name: .customLong("token"), help: "Access token (CRM_TOKEN).")
    public var token: String?

    @Flag(name: .customLong("tls"), help: "Connect with TLS (CRM_TLS=1).")
    public var tls = false

    @Option(name: .customLong("tls-ca"), help: "PEM file of certificate authorities to trust (CRM_TLS_CA; implies --tls).")
    public var tlsCA: String?

    @Option(name: .customLong("tls-server-name"), help: "Name to check the server certificate against (CRM_TLS_SERVER_NAME).")
    public var tlsServerName: String?

    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for the connection (default 5).")
    public var connectTimeout: Int64 = 5

    public init() {}

    /// The server address, after flags and environment.
    public func address() throws -> (host: String, port: Int) {
        let text = server ?? Environment.value("CRM_SERVER") ?? "127.0.0.1:7433"
        let address = try HostPort.parse(text, option: "--server")
        return (address.host, address.port)
    }

    public var resolvedToken: String? { token ?? Environment.value("CRM_TOKEN") }

    var tlsOptions: RPCClient.TLSOptions? {
        let ca = tlsCA ?? Environment.value("CRM_TLS_CA")
        let wanted = tls || ca != nil || Environment.value("CRM_TLS") == "1"
        guard wanted else { return nil }
        return RPCClient.TLSOptions(caFile: ca, serverName: tlsServerName ?? Environment.value("CRM_TLS_SERVER_NAME"))
    }

    /// Connects and, when a token is given and `hello` is true, opens the session with `session.hello`.
    public func connect(client: String, requireToken: Bool = true, hello: Bool = true) async throws -> RPCClient {
        let (host, port) = try address()
        let connection = try await RPCClient.connect(host: host, port: port, tls: tlsOptions, connectTimeoutSeconds: connectTimeout)
        if hello, let token = resolvedToken {
            do {
                _ = try await connection.call(RPC.Session.Hello.self, .init(token: token, client: client))
            } catch {
                await connection.close()
                throw error
            }
        } else if requireToken {
            await connection.close()
            throw ValidationError("no token: pass --token or set CRM_TOKEN")
        }
        return connection
    }
}

extension ConnectionOptions {
    /// Connects (with hello when a token is given), runs `body`, and closes the connection.
    public func withClient<T>(client: String, requireToken: Bool = true, hello: Bool = true, _ body: (RPCClient) async throws -> T) async throws -> T {
        let connection = try await connect(client: client, requireToken: requireToken, hello: hello)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }
}

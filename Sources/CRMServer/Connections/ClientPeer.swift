import NIOCore

/// Where a connection comes from, as its socket says: the host (an IP address, which limits are
/// kept by) and the port (which tells two connections of one host apart in logs). Server-made, so
/// safe to log as it is.
public struct ClientPeer: Sendable, Hashable, CustomStringConvertible {
    /// The IP address (`127.0.0.1`, `::1`), or `unknown` when the socket has none.
    public let host: String
    public let port: Int?

    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    init(_ address: SocketAddress?) {
        self.init(host: address?.ipAddress ?? "unknown", port: address?.port)
    }

    /// `127.0.0.1:52144`, `[::1]:52144`.
    public var description: String {
        guard let port else { return host }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

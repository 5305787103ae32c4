import ArgumentParser

/// `host:port` as operators write it (`127.0.0.1:7433`, `[::1]:7433`, `0.0.0.0:9090`), for crmd's
/// listeners and the clients' `--server` alike. Port 0 is refused: crmd would listen on a port
/// chosen by the system that no one is told, and no client can connect to it.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// The ports an address may name.
    public static let ports = 1...65_535

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `nil` when `text` is not `host:port` with a non-empty host and a port in `ports` written in
    /// digits. An IPv6 host is written in brackets (`[::1]:7433`); the last colon parts host and
    /// port otherwise.
    public init?(_ text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portPart), Self.ports.contains(port)
        else { return nil }
        self.host = String(hostPart)
        self.port = port
    }

    /// Reads the value of `option` (`--listen`, `--server`), or refuses it with the one message
    /// every program gives.
    public static func parse(_ text: String, option: String) throws(ValidationError) -> HostPort {
        guard let address = HostPort(text) else {
            throw ValidationError("\(option) must be host:port with a port from \(ports.lowerBound) to \(ports.upperBound), not \(text)")
        }
        return address
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

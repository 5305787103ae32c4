import CRMProtocol
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain blocking TCP socket to crmd for framing tests: the test decides exactly which bytes go
/// out in which packet, and reads replies line by line with a deadline.
final class RawConnection: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to crmd on 127.0.0.1:`port`, from the loopback address `source` when given
    /// (`127.0.0.2`: another client address on the same machine). `receiveBufferBytes` shrinks the
    /// socket's receive buffer (before connecting, so the window is small from the start): a client
    /// that does not read then stalls the server's writes soon.
    init(port: Int, source: String? = nil, receiveBufferBytes: Int32? = nil) throws {
        // The descriptor is stored only once connected: a throwing init of a fully initialised
        // object runs deinit, and closing twice would close whatever reused the number meanwhile.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0, "socket() failed")
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBufferBytes {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(fd)
                throw POSIXError(.EADDRNOTAVAIL)
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends bytes as one write (one packet on loopback, with Nagle off).
    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { sendBytes(fd, $0) }
            if n <= 0 { return }
            offset += n
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// The next reply line parsed as JSON, or `nil` when the connection closed or `timeout` passed.
    /// Waits on a thread of its own: blocking a cooperative thread could starve the server under test.
    func readJSON(timeout: Double = 30) async -> JSONValue? {
        guard let line = await offThread({ self.readLine(timeout: timeout) }) else { return nil }
        return try? JSONParser.parse(line)
    }

    /// The next line as text, or `nil` at EOF or after `timeout` seconds.
    func readRawLine(timeout: Double = 30) async -> String? {
        guard let line = await offThread({ self.readLine(timeout: timeout) }) else { return nil }
        return String(decoding: line, as: UTF8.self)
    }

    /// True when the server closed the connection (EOF) within `timeout` seconds.
    func isClosedByPeer(timeout: Double = 30) async -> Bool {
        await offThread { self.waitForEOF(timeout: timeout) }
    }

    /// The next line (without its newline), or `nil` at EOF or after `timeout` seconds.
    private func readLine(timeout: Double) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(remaining * 1000))
            if ready < 0, errno == EINTR { continue }  // a signal (a child process of another test exiting)
            guard ready > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffer += chunk[..<n]
        }
    }

    private func waitForEOF(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(deadline.timeIntervalSinceNow * 1000))
            if ready < 0, errno == EINTR { continue }  // a signal (a child process of another test exiting)
            guard ready > 0 else { return false }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return true }
        }
        return false
    }
}

/// Runs blocking work on a new thread and awaits its result.
func offThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.start()
    }
}

/// `send(2)`, called from outside `RawConnection`, whose own `send` would shadow it; on Linux with
/// MSG_NOSIGNAL, so a connection the server closed fails the write instead of killing the tests.
private func sendBytes(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    #if canImport(Glibc)
    send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
    #else
    send(fd, bytes.baseAddress, bytes.count, 0)
    #endif
}

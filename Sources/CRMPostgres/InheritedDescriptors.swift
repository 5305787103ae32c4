#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps a spawned child from inheriting this process's open descriptors. SwiftNIO accepts
/// connections without close-on-exec, so a child spawned while clients are connected (`pg_ctl
/// start`, whose postmaster lives on) would hold their sockets open: a connection crmd closes
/// would not end for the client until that child exits, and a listening socket could outlive crmd.
public enum InheritedDescriptors {
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not import; looked up once.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Adds to `actions` the closing, in the child, of every descriptor from 3 up (after the
    /// redirections of 0, 1 and 2 added before it). False when this C library cannot do it.
    @discardableResult
    public static func closeAbove2(_ actions: inout posix_spawn_file_actions_t) -> Bool {
        guard let addCloseFrom else { return false }
        return addCloseFrom(&actions, 3) == 0
    }
}

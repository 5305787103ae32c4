#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Set by SIGINT or SIGTERM: a client finishes what it has in flight (store-sync: the answers to
/// what it sent, then its checkpoint; points-expiry: the batch the server is running), then stops.
/// A second signal ends the process at once, with status 128 + the signal's number.
public enum StopSignal {
    private static let requested = Atomic<Bool>(false)
    private static let number = Atomic<Int32>(0)

    public static var isRequested: Bool { requested.load(ordering: .sequentiallyConsistent) }

    /// The signal that asked to stop (SIGINT or SIGTERM), or nil when none came.
    public static var signalNumber: Int32? {
        let value = number.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// The conventional exit status of a process stopped by that signal (130 for SIGINT, 143 for SIGTERM).
    public static var exitStatus: Int32 { 128 + (signalNumber ?? SIGTERM) }

    public static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { number in
                // The first signal's number is kept before the flag is raised, so whoever sees the flag sees it too.
                _ = StopSignal.number.compareExchange(expected: 0, desired: number, ordering: .relaxed)
                if StopSignal.requested.exchange(true, ordering: .sequentiallyConsistent) { _exit(128 + number) }
            }
        }
    }
}

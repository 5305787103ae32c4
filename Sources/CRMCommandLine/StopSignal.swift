import Glibc
import Synchronization

/// Set by SIGINT or SIGTERM: the agent stops reading, waits for the answers to what it sent,
/// writes its checkpoint and exits 0. A second signal ends it at once (the checkpoint is still
/// good: it is only ever replaced whole).
enum StopSignal {
    private static let requested = Atomic<Bool>(false)

    static var isRequested: Bool { requested.load(ordering: .relaxed) }

    static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { number in
                if StopSignal.requested.exchange(true, ordering: .relaxed) { _exit(128 + number) }
            }
        }
    }
}

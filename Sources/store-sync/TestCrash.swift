import CRMConfiguration
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A test-only fault point: with `STORE_SYNC_TEST_CRASH=reply` the agent kills itself (SIGKILL)
/// right after crmd answered its first push, before recording anything; with `=rejects`, after
/// writing that push's rejections and before its checkpoint. Tests use it to be killed at exactly
/// the moment a real `kill -9` could only hit by chance.
enum TestCrash {
    static let point = Environment.value("STORE_SYNC_TEST_CRASH")

    static func at(_ name: String) {
        if point == name { kill(getpid(), SIGKILL) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program to completion with `posix_spawn` and `waitpid`. Foundation's `Process` is not
/// used because it notices a child's exit through a descriptor the child inherits, and a daemon
/// the child leaves behind (the postmaster that `pg_ctl start` forks) keeps that open forever.
enum ChildProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `path` with `arguments`, output and errors appended to `outputPath`, standard input
    /// from /dev/null, in `directory`. Returns the exit status (128+N for a signal N).
    static func run(_ path: String, _ arguments: [String], directory: String, outputPath: String, environment: [String: String]) throws(Failure) -> Int32 {
        let outputFD = open(outputPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard outputFD >= 0 else { throw Failure(description: "cannot open \(outputPath): \(String(cString: strerror(errno)))") }
        defer { close(outputFD) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        InheritedDescriptors.closeAbove2(&actions)

        // `env -C` sets the working directory (glibc's addchdir_np is not visible to Swift).
        let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/env", "-C", directory, path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw Failure(description: "cannot run \(path): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waitpid failed: \(String(cString: strerror(errno)))") }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let termSignal = status & 0x7F
        return termSignal == 0 ? (status >> 8) & 0xFF : 128 + termSignal
    }
}

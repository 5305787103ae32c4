import Foundation

/// The executables `swift build` made, beside the test bundle (or in `CRM_BIN_DIR`).
enum Binaries {
    static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["CRM_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // .build/<triple>/debug/crmPackageTests.xctest[/...]: walk up to the folder holding crmd.
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("crmd").path) { return url }
        }
        preconditionFailure("cannot find the crmd executable near \(CommandLine.arguments[0]); set CRM_BIN_DIR")
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// What a finished command printed and how it exited.
struct CommandOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs one of the project's executables to completion, waiting on a thread of its own.
func runBinary(_ name: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> CommandOutput {
    let result = await offThread { Result { try runBinaryBlocking(name, arguments, environment: environment) } }
    return try result.get()
}

private func runBinaryBlocking(_ name: String, _ arguments: [String], environment: [String: String]) throws -> CommandOutput {
    try runProcessBlocking(
        Binaries.path(name), arguments, environment: environment,
        cleared: ["CRM_SERVER", "CRM_TOKEN", "CRM_DATABASE_URL", "CRM_ADMIN_TOKEN"])
}

/// Runs `path` to completion with standard input from /dev/null, in this process's environment
/// less the `cleared` variables, plus `environment`; returns its status and output.
func runProcessBlocking(_ path: String, _ arguments: [String], environment: [String: String], cleared: [String]) throws -> CommandOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for key in cleared { env[key] = nil }
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandOutput(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Picks a free loopback port (bind to 0, read it, release it).
func freePort() -> Int {
    // Below the kernel's ephemeral range (32768-60999 here), so a server another test binds to port 0
    // can never take the port between this check and the child's own bind; random, so concurrent
    // callers rarely pick the same one (and RunningCRMD retries when one does).
    for _ in 0..<1_000 {
        let candidate = Int.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0, "no socket for a port check")
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(candidate).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        close(fd)
        if bound == 0 { return candidate }
    }
    preconditionFailure("no free port between 20000 and 32000")
}

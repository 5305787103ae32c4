import ArgumentParser
import CRMClient
import CRMProtocol
import Foundation

/// Exit codes shared by the clients, documented in docs/operations.md.
public enum ClientExit {
    /// The server answered with an error that retrying will not fix.
    public static let failed: Int32 = 1
    /// Nothing answered, or the server said to retry later (EX_UNAVAILABLE).
    public static let unavailable: Int32 = 69
    /// A job could not start because another run of it is going; try again later (EX_TEMPFAIL).
    public static let busy: Int32 = 75
    /// A local file could not be written or read (a checkpoint, a rejects file): nothing the server said (EX_IOERR).
    public static let ioError: Int32 = 74
}

/// A failure a client explains itself: printed as one line on standard error, `program: message`,
/// and the process exits with `exitCode`.
public struct CommandFailure: Error, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = ClientExit.failed) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}

/// Runs a client command body, printing any failure as one line on standard error and exiting
/// non-zero, so scripts can rely on the exit status. A server's error is told in `wording`'s
/// words (the client's commands and flags); the code and reason stay for scripts.
public func runClientCommand(_ program: String, wording: ErrorWording = ErrorWording(), _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as RPCError {
        FileHandle.standardError.write(Data("\(program): \(wording.text(error))\n".utf8))
        throw ExitCode(error.retryable ? ClientExit.unavailable : ClientExit.failed)
    } catch let error as ClientError {
        FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
        throw ExitCode(ClientExit.unavailable)
    } catch let failure as CommandFailure {
        FileHandle.standardError.write(Data("\(program): \(failure.message)\n".utf8))
        throw ExitCode(failure.exitCode)
    }
}

/// Prints a JSON value on one line (for `--json`).
public func printJSON(_ value: JSONValue) {
    print(JSONSerializer.serialize(value))
}

extension JSONValue {
    /// A cell for a table: strings bare, null as `-`, the rest as JSON.
    public var cellText: String {
        switch self {
        case .null: return "-"
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "yes" : "no"
        default: return JSONSerializer.serialize(self)
        }
    }
}

/// Writes text to standard error.
public enum FileHandleWriter {
    public static func writeToStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Prints a typed result of the contract on one line (for `--json`), as the server sent it.
public func printJSON<T: Encodable>(_ value: T) throws {
    printJSON(try JSONValueEncoder().encode(value))
}

/// A member id typed on the command line (`1001`); a usage error names `label` otherwise.
public func memberID(_ text: String, label: String = "MEMBER-ID") throws -> MemberID {
    guard let id = MemberID(text: text) else { throw ValidationError("\(label) must be a member id (digits), not \(text)") }
    return id
}

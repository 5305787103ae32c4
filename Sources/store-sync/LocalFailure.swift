import CRMCommandLine

extension CommandFailure {
    /// A local file could not be written (the checkpoint, the rejects file): the agent exits 74
    /// (`ClientExit.ioError`), which says the fault is on this machine, not in what crmd answered.
    static func local(_ message: String) -> CommandFailure {
        CommandFailure(message, exitCode: ClientExit.ioError)
    }
}

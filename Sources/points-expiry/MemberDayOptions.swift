import ArgumentParser
import CRMCommandLine

/// The day and the batch size of the subcommands that walk the members for one day (`birthdays`,
/// `campaigns`), read and checked alike.
struct MemberDayOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day, YYYY-MM-DD (default: the server's today).", valueName: "date"))
    var asOf: String?
    @Option(name: [.customLong("batch-size"), .customLong("batch")], help: ArgumentHelp("Members looked at per batch (1-50000).", valueName: "n"))
    var batch = 5_000

    func validate() throws {
        if let asOf, !Formats.isCalendarDate(asOf) { throw ValidationError("--as-of must be a date YYYY-MM-DD") }
        guard (1...50_000).contains(batch) else { throw ValidationError("--batch-size must be between 1 and 50000") }
    }
}

import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

extension PointsExpiry {
    /// `points-expiry coupons`: marks coupons past their validity expired (`coupon.expire`), batch
    /// after batch until done.
    struct Coupons: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark usable coupons past their validity expired, batch after batch until done.",
            discussion: """
                Runs coupon.expire until done: each batch is one transaction, so a run stopped anywhere (SIGINT/SIGTERM \
                after the batch in flight) is simply run again. Coupons past their validity are refused at a till \
                whether or not this has run; it puts the books and the figures right. Prints how many expired.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(
            name: .customLong("as-of"),
            help: ArgumentHelp("Coupons whose validity ended by the end of this day, YYYY-MM-DD (default: today).", valueName: "date"))
        var asOf: String?
        @Option(name: [.customLong("batch-size"), .customLong("batch")], help: "Coupons per batch, one transaction each (1-10000).")
        var batch: Int = 1_000

        func validate() throws {
            if let asOf, !Formats.isCalendarDate(asOf) { throw ValidationError("--as-of must be a date YYYY-MM-DD") }
            guard (1...10_000).contains(batch) else { throw ValidationError("--batch-size must be 1...10000") }
        }

        func run() async throws {
            try await StopSignal.handling {
                try await runClientCommand("points-expiry") {
                    try await connection.withClient(client: "points-expiry/0.1") { client in
                        var total: Int64 = 0
                        var r: RPC.Coupon.Expire.Result
                        repeat {
                            if StopSignal.isRequested {
                                throw CommandFailure("stopped by signal after \(total) coupons expired; run again to go on", exitCode: StopSignal.exitStatus)
                            }
                            r = try await client.call(RPC.Coupon.Expire.self, .init(asOf: asOf, limit: batch))
                            total += r.expired
                        } while !r.done
                        log("\(total) coupons expired as of \(r.asOf)")
                    }
                }
            }
        }
    }
}

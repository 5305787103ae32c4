import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

extension PointsExpiry {
    /// `points-expiry birthdays`: gives the day's birthday gifts (benefit.birthdays to the end).
    struct Birthdays: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give the birthday gifts due today (or --as-of): points or a coupon, as each member's level says, once a year.",
            discussion: """
                Calls benefit.birthdays batch by batch until done, printing progress on standard error. Each gift is given \
                once a year, so running it again the same day (or after a stop) gives nothing twice. Run it daily: a level \
                whose gift comes on the day itself gives nothing on a day the job did not run. Rules: docs/benefits.md.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var day: MemberDayOptions

        func run() async throws {
            try await StopSignal.handling {
                try await runClientCommand("points-expiry") {
                    try await connection.withClient(client: "points-expiry/0.1") { client in try await give(client) }
                }
            }
        }

        private func give(_ client: RPCClient) async throws {
            var after: MemberID? = nil
            var total = (members: Int64(0), points: Int64(0), pointsGifts: Int64(0), coupons: Int64(0), skipped: Int64(0))
            var shown = day.asOf ?? "today"
            while true {
                if StopSignal.isRequested {
                    throw CommandFailure("stopped by signal after member \(after?.description ?? "-"); run again to finish", exitCode: StopSignal.exitStatus)
                }
                let r = try await client.call(RPC.Benefit.Birthdays.self, .init(asOf: day.asOf, limit: day.batch, after: after))
                shown = r.asOf
                total.members += r.members
                total.points += r.points
                total.pointsGifts += r.pointsGifts
                total.coupons += r.couponGifts
                total.skipped += r.skipped
                if r.done { break }
                after = r.next
                log("birthdays \(shown): \(total.members) members looked at, \(total.pointsGifts + total.coupons) gifts so far")
            }
            log(
                "birthdays \(shown): \(total.pointsGifts) points gifts (\(total.points) points), \(total.coupons) coupons, "
                    + "\(total.skipped) already given or refused, \(total.members) members looked at")
        }
    }
}

import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

extension PointsExpiry {
    /// `points-expiry notices`: the daily warnings written to the member notice outbox.
    struct Notices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the notices of points and coupons about to expire (notice.scan), in committed batches.",
            discussion: """
                Calls notice.scan with --batch-size members (then coupons) at a time until the server says done. Members \
                whose points expire within --within days after --as-of get a points_expiring notice, once per first expiry \
                day; holders of usable coupons expiring within --coupon-within days a coupon_expiring notice, once per \
                coupon. A cause already told is not told again, so a run that was stopped (SIGINT/SIGTERM: after the batch \
                in flight, 130/143) or failed is finished by running it again. A messaging gateway takes the notices with \
                notice.pull (docs/notices.md).
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("as-of"), help: ArgumentHelp("The day the windows start after, YYYY-MM-DD (default: the server's today).", valueName: "date"))
        var asOf: String?
        @Option(help: ArgumentHelp("Points window in days: 30 or 30d.", valueName: "days")) var within = "30"
        @Option(name: .customLong("coupon-within"), help: ArgumentHelp("Coupon window in days: 3 or 3d.", valueName: "days")) var couponWithin = "3"
        @Option(name: .customLong("batch-size"), help: "Members or coupons per batch, one transaction each (1-10000).") var batchSize = 1_000

        /// Attempts of one batch when the server says to retry later.
        static let attempts = 5

        func validate() throws {
            if let asOf, !Formats.isCalendarDate(asOf) { throw ValidationError("--as-of must be a date YYYY-MM-DD") }
            guard let days = Formats.days(within), (1...365).contains(days) else { throw ValidationError("--within must be 1-365 days, 30 or 30d") }
            guard let coupon = Formats.days(couponWithin), (1...365).contains(coupon) else {
                throw ValidationError("--coupon-within must be 1-365 days, 3 or 3d")
            }
            guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1...10000") }
        }

        func run() async throws {
            try await StopSignal.handling {
                try await runClientCommand("points-expiry") {
                    try await connection.withClient(client: "points-expiry/0.1") { try await scan($0) }
                }
            }
        }

        /// Scans batch by batch until done or asked to stop; prints what was written.
        private func scan(_ client: RPCClient) async throws {
            var params = RPC.Notice.Scan.Params(
                asOf: asOf, withinDays: Formats.days(within), couponWithinDays: Formats.days(couponWithin), limit: batchSize)
            var points: Int64 = 0, coupons: Int64 = 0, batches = 0
            var day = asOf ?? "today"
            while !StopSignal.isRequested {
                let batch = try await retrying { try await client.call(RPC.Notice.Scan.self, params) }
                (points, coupons, batches, day) = (points + batch.pointsExpiring, coupons + batch.couponExpiring, batches + 1, batch.asOf)
                // The first batch fixes the day, so a run across midnight keeps to one.
                params.asOf = batch.asOf
                params.cursor = batch.nextCursor
                if batch.done {
                    print("notices: \(points) points_expiring and \(coupons) coupon_expiring written as of \(day) (\(batches) batches)")
                    return
                }
            }
            log("stopped by signal after \(batches) batches (\(points) points_expiring, \(coupons) coupon_expiring written); run it again to finish")
            throw ExitCode(StopSignal.exitStatus)
        }

        private func retrying<T>(_ body: () async throws -> T) async throws -> T {
            var attempt = 1
            while true {
                do {
                    return try await body()
                } catch let error as RPCError where error.retryable && attempt < Self.attempts && !StopSignal.isRequested {
                    let delay = Double(1 << attempt)
                    log("notice.scan: \(error.message) [\(error.code) \(error.reason)]; retrying in \(Int(delay)) s")
                    attempt += 1
                    try await StopSignal.sleep(for: .seconds(delay))
                }
            }
        }
    }
}

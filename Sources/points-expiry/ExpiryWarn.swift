import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

extension PointsExpiry {
    /// `points-expiry warn`: the members to warn that points are about to expire, as CSV.
    struct Warn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the members whose points expire within some days as CSV (for SMS, e-mail or app push).",
            discussion: """
                Columns: member_id,name,phone,email,balance,expiring_points,first_expiry,expiring, where expiring lists \
                DATE:POINTS pairs separated by `;`. With --out the file is replaced only when the whole list is written \
                (mode 0600: it holds personal data, masked for an analyst's token); otherwise the CSV goes to standard \
                output. The number of members is printed on standard error.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(help: ArgumentHelp("The window in days after --as-of: 30 or 30d.", valueName: "days")) var within: String
        @Option(name: .customLong("as-of"), help: ArgumentHelp("The day the window starts after, YYYY-MM-DD (default: the server's today).", valueName: "date"))
        var asOf: String?
        @Option(help: ArgumentHelp("Write the CSV to this file (atomically) instead of standard output.", valueName: "file.csv")) var out: String?

        static let pageSize = 1_000
        static let header = ["member_id", "name", "phone", "email", "balance", "expiring_points", "first_expiry", "expiring"]

        func validate() throws {
            guard let days = Formats.days(within), (1...3_650).contains(days) else { throw ValidationError("--within must be a number of days, 30 or 30d") }
            if let asOf, !Formats.isCalendarDate(asOf) { throw ValidationError("--as-of must be a date YYYY-MM-DD") }
            if out == "-" { throw ValidationError("leave --out out to write to standard output") }
        }

        func run() async throws {
            try await StopSignal.handling {
                try await runClientCommand("points-expiry") { try await writeList() }
            }
        }

        /// Writes the whole list (or nothing, to a file), then says how many members and points it holds.
        private func writeList() async throws {
            let days = Formats.days(within) ?? 0
            let output = try CSVOutput(path: out)
            defer { output.discard() }
            let (members, points, serverAsOf) = try await connection.withClient(client: "points-expiry/0.1") { client in
                try await write(client, to: output, days: days)
            }
            try output.commit()
            let period = "within \(days) days" + ((asOf ?? serverAsOf).map { " after \($0)" } ?? "")
            log("\(members) members to warn, \(points) points expiring \(period)" + (out.map { " (written to \($0))" } ?? ""))
        }

        /// Pages through points.expiring, writing each page as it comes; answers the members and points
        /// counted, and the day the server counted from.
        private func write(_ client: RPCClient, to output: CSVOutput, days: Int) async throws -> (Int, Int64, String?) {
            try output.write(CSV.row(Self.header))
            var members = 0
            var points: Int64 = 0
            var cursor: String?
            var serverAsOf: String? = nil
            repeat {
                if StopSignal.isRequested {
                    throw CommandFailure("stopped by signal" + (out.map { "; \($0) was left as it was" } ?? ""), exitCode: StopSignal.exitStatus)
                }
                let page = try await client.call(RPC.Points.Expiring.self, .init(withinDays: days, asOf: asOf, cursor: cursor, limit: Self.pageSize))
                serverAsOf = serverAsOf ?? page.asOf
                var text = ""
                for m in page.members {
                    text += CSV.row(Self.row(m))
                    members += 1
                    points += m.expiringPoints
                }
                try output.write(text)
                cursor = page.nextCursor
            } while cursor != nil
            return (members, points, serverAsOf)
        }

        /// One member's CSV fields: null and missing as empty, `expiring` as `DATE:POINTS;DATE:POINTS`.
        static func row(_ m: RPC.Points.Expiring.Member) -> [String] {
            let schedule = m.expiring.map { "\($0.date):\($0.points)" }
            return [
                m.memberID.description, m.name ?? "", m.phone ?? "", m.email ?? "", String(m.balance), String(m.expiringPoints),
                m.firstExpiry, schedule.joined(separator: ";"),
            ]
        }
    }
}

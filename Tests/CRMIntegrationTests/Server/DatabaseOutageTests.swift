import CRMPostgres
import CRMServer
import Logging
import Testing

/// What crmd says while its database cannot be reached.
@Suite("database outage")
struct DatabaseOutageTests {
    @Test("background work against an unreachable database logs the outage once, not every round, while counting the failures")
    func outageIsLoggedOnce() async throws {
        let captured = CapturedLog()
        let logger = captured.logger()
        // Nothing listens on this port: every connection attempt fails at once.
        let unreachable = PostgresConfiguration(connectionString: "host=127.0.0.1 port=\(freePort()) dbname=crm user=crm", connectTimeoutSeconds: 2)
        let pool = PostgresPool(configuration: unreachable, limits: .init(maxConnections: 1), logger: logger)
        let context = ServerContext(configuration: ServerConfiguration(), pool: pool, keys: TestKeys.source, logger: logger)
        let server = try RPCServer(context: context)  // builds the metrics
        let statistics = StatisticsService(context: context, interval: .milliseconds(20))
        let started = ContinuousClock.now
        let run = Task { try await statistics.run() }
        var failures: UInt64 = 0
        for _ in 0..<1_000 where failures < 30 {
            try await Task.sleep(nanoseconds: 20_000_000)
            failures = server.context.security.snapshot.databaseFailures
        }
        run.cancel()
        _ = try? await run.value
        await pool.close()
        #expect(failures >= 30)
        let warnings = captured.all.filter { $0.level >= .warning }
        // Once when it started (twice at most: the pool's and the work's), and a reminder for each minute a
        // loaded machine took to gather the failures; never once a round.
        let minutes = Int((ContinuousClock.now - started) / .seconds(60))
        #expect(warnings.count >= 1 && warnings.count <= 2 + minutes, "\(warnings.map(\.message)) over \(minutes) min")
        #expect(warnings.allSatisfy { !($0.metadata["error"] ?? "").contains("\n") })
    }

    @Test("an outage is reported when it starts, at most once a minute while it lasts, and when it ends")
    func outageReports() {
        var outage = OutageLog(reminderInterval: .seconds(60))
        let start = ContinuousClock.now
        #expect(outage.succeeded(at: start) == nil)
        #expect(outage.failed(at: start) == .wentDown)
        for second in 1..<60 { #expect(outage.failed(at: start + .seconds(second)) == nil) }
        #expect(outage.failed(at: start + .seconds(60)) == .stillDown(failures: 61, downFor: .seconds(60)))
        #expect(outage.failed(at: start + .seconds(61)) == nil)
        #expect(outage.succeeded(at: start + .seconds(90)) == .cameBack(failures: 62, downFor: .seconds(90)))
        #expect(outage.succeeded(at: start + .seconds(91)) == nil)
        #expect(outage.failed(at: start + .seconds(92)) == .wentDown)
    }
}

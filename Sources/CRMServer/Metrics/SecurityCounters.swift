import CRMProtocol
import Metrics

import class Prometheus.PrometheusCollectorRegistry

/// Counters of the limits that protect logins and personal data, and of database outages: what
/// `server.stats` shows under `security` and the Prometheus endpoint exposes. They are kept in the
/// server's registry; `snapshot` reads them back from it.
public final class SecurityCounters: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// `session.hello` calls with a token that is unknown, revoked or malformed.
        public var failedLogins: UInt64 = 0
        /// `session.hello` calls refused without looking at the token, over the failed-login limit.
        public var refusedLogins: UInt64 = 0
        /// Member lookups by masked roles (each one audited).
        public var maskedLookups: UInt64 = 0
        /// Member lookups by masked roles refused over the lookup limit.
        public var refusedLookups: UInt64 = 0
        /// Background database work that failed because the database could not be reached.
        public var databaseFailures: UInt64 = 0
    }

    private let registry: PrometheusCollectorRegistry
    private let counters: [String: Counter]

    init(factory: any MetricsFactory, registry: PrometheusCollectorRegistry) {
        self.registry = registry
        let names = [MetricName.failedLogins, MetricName.refusedLogins, MetricName.maskedLookups, MetricName.refusedLookups, MetricName.databaseFailures]
        counters = Dictionary(uniqueKeysWithValues: names.map { ($0, Counter(label: $0, factory: factory)) })
    }

    func count(_ counter: WritableKeyPath<Snapshot, UInt64>) { counters[Self.name(of: counter)]!.increment() }

    /// The metric that counts a field of `Snapshot`.
    static func name(of counter: WritableKeyPath<Snapshot, UInt64>) -> String {
        switch counter {
        case \Snapshot.failedLogins: MetricName.failedLogins
        case \Snapshot.refusedLogins: MetricName.refusedLogins
        case \Snapshot.maskedLookups: MetricName.maskedLookups
        case \Snapshot.refusedLookups: MetricName.refusedLookups
        case \Snapshot.databaseFailures: MetricName.databaseFailures
        default: preconditionFailure("not a security counter")
        }
    }

    /// Read without `ServerMetrics`' reading lock: that lock guards the mirrored figures while they
    /// are reset and set, and these counters are only ever added to.
    public var snapshot: Snapshot { Self.snapshot(PrometheusSamples(exposition: registry.emitToString())) }

    static func snapshot(_ samples: PrometheusSamples) -> Snapshot {
        func read(_ name: String) -> UInt64 { UInt64(max(0, samples.count(name))) }
        return Snapshot(
            failedLogins: read(MetricName.failedLogins), refusedLogins: read(MetricName.refusedLogins),
            maskedLookups: read(MetricName.maskedLookups), refusedLookups: read(MetricName.refusedLookups),
            databaseFailures: read(MetricName.databaseFailures))
    }

    /// What `server.stats` shows under `security`.
    static func stats(_ samples: PrometheusSamples) -> RPC.Server.Stats.Security {
        let s = snapshot(samples)
        return RPC.Server.Stats.Security(
            failedLogins: Int64(s.failedLogins), refusedLogins: Int64(s.refusedLogins), maskedLookups: Int64(s.maskedLookups),
            refusedLookups: Int64(s.refusedLookups), databaseFailures: Int64(s.databaseFailures))
    }
}

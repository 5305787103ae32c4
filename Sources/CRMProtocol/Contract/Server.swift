extension RPC {
    /// The server itself: whether it is up, and its counters.
    public enum Server {
        public static let methods: [any RPCMethod.Type] = [Health.self, Stats.self]
    }
}

extension RPC.Server {
    /// `server.health`: whether crmd and its database answer (no session needed).
    public enum Health: RPCMethod {
        public static let name = "server.health"
        public static let summary = "Whether the server and its database are up; needs no session."
        public typealias Params = NoParams

        public struct Result: RPCObject {
            /// `ok` or `degraded`.
            public var status: String
            /// `ok` or `down`.
            public var database: String
            public var version: String
            /// The read replica (`crmd serve --replica-url`): `ok` or `down`; absent without one. A
            /// replica that is down does not make crmd degraded: the primary serves its reads.
            public var replica: String?
            public init(status: String, database: String, version: String) {
                self.status = status
                self.database = database
                self.version = version
            }
        }
    }

    /// `server.stats`: the process's counters (`Stats.Result`).
    public enum Stats: RPCMethod {
        public static let name = "server.stats"
        public static let summary = "The server's counters: connections, buffers, requests and latency by method, security limits, database pool."
        public typealias Params = NoParams
    }
}

import CRMDomain
import CRMProtocol

/// One JSON-RPC method: what access it needs and what it does.
public struct MethodSpec: Sendable {
    public typealias Handler = @Sendable (inout CallContext) async throws -> JSONValue
    public let name: String
    public let access: Access
    /// What the method is to a token limited to shops; no default, so every method decides.
    public let scope: StaffScope
    public let handler: Handler
    /// Top-level params the handler screens for NUL characters itself, entry by entry (`Params`).
    public let screenedLater: Set<String>

    public init(_ name: String, access: Access, scope: StaffScope, screenedLater: Set<String> = [], handler: @escaping Handler) {
        self.name = name
        self.access = access
        self.scope = scope
        self.screenedLater = screenedLater
        self.handler = handler
    }
}

/// The methods crmd answers, by name.
public struct MethodRegistry: Sendable {
    private(set) var methods: [String: MethodSpec] = [:]
    /// What `rpc.discover` answers: the OpenRPC document of the contract, made once.
    let openRPC: JSONValue

    public init(_ specs: [MethodSpec]) {
        openRPC = OpenRPCDocument.make()
        for spec in specs {
            precondition(methods[spec.name] == nil, "method \(spec.name) registered twice")
            precondition(!spec.name.hasPrefix("rpc."), "rpc.* names are reserved by JSON-RPC 2.0")
            methods[spec.name] = spec
        }
        // The contract and the handlers are one list: a method without a handler, or a handler
        // outside the contract (and so outside the OpenRPC document), is a programming error.
        let contract = Set(RPC.methods.map { $0.name })
        precondition(contract.isSubset(of: methods.keys), "no handler for \(contract.subtracting(methods.keys).sorted())")
        precondition(Set(methods.keys).isSubset(of: contract), "handlers outside the contract: \(Set(methods.keys).subtracting(contract).sorted())")
    }

    public subscript(name: String) -> MethodSpec? { methods[name] }
    /// Every method, by name (the tests walk them).
    public var specs: [MethodSpec] { methods.values.sorted { $0.name < $1.name } }
    public var names: Set<String> { Set(methods.keys) }
}

extension MethodSpec {
    /// The handler of a contract method: `params` are decoded and checked against
    /// `M.Params` (unknown members refused, every `FieldRule` applied) before it runs, and what it
    /// returns is encoded as `M.Result`.
    public init<M: RPCMethod>(
        _ method: M.Type, access: Access, scope: StaffScope, screenedLater: Set<String> = [],
        handler: @escaping @Sendable (M.Params, inout CallContext) async throws -> M.Result
    ) {
        self.init(M.name, access: access, scope: scope, screenedLater: screenedLater) { call in
            let params = try JSONValueDecoder().decode(M.Params.self, from: .object(call.params.object))
            return try JSONValueEncoder().encode(try await handler(params, &call))
        }
    }
}

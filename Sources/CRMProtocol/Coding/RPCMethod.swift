/// One method of the wire contract: its name and the types of its params and result, written
/// once and used by crmd's handler, by every client, and by the OpenRPC document.
///
/// ```swift
/// let change = try await client.call(RPC.Points.Redeem.self,
///                                    .init(memberID: "1001", points: 50, idempotencyKey: "k1", reason: "gift"))
/// ```
public protocol RPCMethod: Sendable {
    associatedtype Params: RPCObject
    associatedtype Result: RPCObject
    /// The method's name on the wire (`points.redeem`).
    static var name: String { get }
    /// One line saying what it does, for the OpenRPC document.
    static var summary: String { get }
}

/// A method's params or result as OpenRPC describes it: a JSON Schema read off the type.
public enum RPCSchema {
    public static func params<M: RPCMethod>(of method: M.Type) -> JSONValue {
        SchemaRecorder(closed: true).schema(for: M.Params.self, rule: nil)
    }

    public static func result<M: RPCMethod>(of method: M.Type) -> JSONValue {
        SchemaRecorder(closed: false).schema(for: M.Result.self, rule: nil)
    }
}

import CRMProtocol
import Logging

/// Wraps the log handler crmd writes with and passes every message and metadata value through
/// `ClientText` first: control characters escaped (a `\n` in a method name cannot start a forged
/// line) and each value cut to `maxValueBytes` (a 1 MiB name cannot write a MiB of log). Values set
/// anywhere, by any method, are covered, so no call site has to remember.
public struct EscapingLogHandler: LogHandler {
    /// Longest message or metadata value written, in bytes of UTF-8 (client text is cut shorter
    /// where it is logged, see `Dispatcher`).
    public static let maxValueBytes = 2_048

    private var inner: any LogHandler

    public init(wrapping inner: any LogHandler) {
        self.inner = inner
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue.mapValues(Self.safe) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map(Self.safe) }
    }

    public func log(event: LogEvent) {
        var safe = event
        safe.message = "\(ClientText.excerpt(event.message.description, maxBytes: Self.maxValueBytes))"
        safe.metadata = event.metadata?.mapValues(Self.safe)
        inner.log(event: safe)
    }

    static func safe(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): return .string(ClientText.excerpt(text, maxBytes: maxValueBytes))
        case .stringConvertible(let item): return .string(ClientText.excerpt(item.description, maxBytes: maxValueBytes))
        case .array(let items): return .array(items.map(safe))
        case .dictionary(let items): return .dictionary(items.mapValues(safe))
        }
    }
}

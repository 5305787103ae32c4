import ArgumentParser
import Foundation

/// Reads settings from environment variables (`CRM_SERVER`, `CRM_LISTEN`, …) the same way in crmd
/// and every client: a variable set to the empty string counts as unset, so `CRM_TOKEN= crmctl …`
/// falls back to the flag's default instead of sending an empty token.
public enum Environment {
    /// The variable's value, `nil` when it is unset or empty. `environment` is the process's own
    /// unless a test passes another.
    public static func value(_ name: String, in environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// The variable as a whole number; `nil` when unset or empty, refused when it is something else.
    public static func int(_ name: String, in environment: [String: String] = ProcessInfo.processInfo.environment) throws(ValidationError) -> Int? {
        guard let text = value(name, in: environment) else { return nil }
        guard let number = Int(text) else { throw ValidationError("\(name) must be a whole number, not \(text)") }
        return number
    }
}

import CRMCommandLine
import CRMProtocol

/// Reads a JSON file argument (a segment filter, a ladder, a programme) that must hold an object:
/// at most 1 MiB, from any readable path (a pipe from `<(…)`, a FIFO, `/dev/stdin`; `-` is
/// standard input), see `InputFile`.
func readJSONFile(_ path: String) throws -> JSONValue {
    let name = InputFile.displayName(path)
    let bytes: [UInt8]
    do {
        bytes = try InputFile.read(path)
    } catch {
        throw CommandFailure(error.description)
    }
    let value: JSONValue
    do {
        value = try JSONParser.parse(bytes)
    } catch {
        throw CommandFailure("\(name) is not valid JSON: \(error)")
    }
    guard value.objectValue != nil else { throw CommandFailure("\(name) must hold a JSON object; it holds a JSON \(value.typeName)") }
    return value
}

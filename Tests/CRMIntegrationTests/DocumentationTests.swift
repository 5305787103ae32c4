import Foundation
import Testing

@Suite("documentation")
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("docs/protocol.md documents every method the server answers, and no other")
    func protocolReferenceInSync() async throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        let documented = Set(text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("### `") else { return nil }
            return line.dropFirst(5).split(separator: "`").first.map(String.init)
        })
        try await withTestServer { server in
            #expect(documented == server.server.methodNames)
        }
    }

    @Test("the README opens with the run command and the test command that CI runs")
    func readmeCommands() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let opening = readme.split(separator: "\n").prefix(10).joined(separator: "\n")
        #expect(opening.contains("scripts/run"))
        #expect(opening.contains("scripts/test"))
        let ci = try String(contentsOf: Self.root.appendingPathComponent(".ci/run"), encoding: .utf8)
        #expect(ci.contains("scripts/test"))
    }
}

import Foundation
import Testing

@Suite("documentation")
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("docs/protocol.md documents every method the server answers, and no other")
    func protocolReferenceInSync() async throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        let documented = Set(
            text.split(separator: "\n").compactMap { line -> String? in
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

    @Test("no link or path in README.md or docs/ leaves the repository, and each names a file in it")
    func linksStayInRepository() throws {
        var problems: [String] = []
        for file in try Self.markdownFiles() {
            let text = try String(contentsOf: file, encoding: .utf8)
            let name = String(file.path.dropFirst(Self.root.standardizedFileURL.path.count + 1))
            for target in Set(try Self.linkTargets(in: text)).sorted() {
                if let problem = Self.problem(with: target, in: file) { problems.append("\(name): \(target): \(problem)") }
            }
        }
        #expect(problems == [])
    }

    /// README.md and every Markdown file under docs/.
    static func markdownFiles() throws -> [URL] {
        let docs = root.appendingPathComponent("docs")
        let names = try FileManager.default.subpathsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
        return [root.appendingPathComponent("README.md").standardizedFileURL] + names.map { docs.appendingPathComponent($0).standardizedFileURL }
    }

    /// Targets of inline links `[text](target "title")`, of reference definitions `[label]: target`,
    /// and paths written out that climb with `../` (a reference, linked or not).
    static func linkTargets(in text: String) throws -> [String] {
        let patterns = [#"\]\(\s*<?([^)\s>]+)"#, #"(?m)^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)"#, #"(?:^|[^\w./])((?:\.\./)+[\w.\-/]*)"#]
        var targets: [String] = []
        for pattern in patterns {
            for match in text.matches(of: try Regex(pattern)) {
                if let target = match.output[1].substring { targets.append(String(target)) }
            }
        }
        return targets
    }

    /// Why a link target in `file` is not a file of this repository, or nil when it is one.
    static func problem(with target: String, in file: URL) -> String? {
        if target.hasPrefix("#") { return nil }
        if let colon = target.firstIndex(of: ":"), target[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }) {
            return "an address outside the repository"
        }
        let path = String(target.prefix { $0 != "#" }).removingPercentEncoding ?? target
        let resolved = file.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL.path
        let rootPath = root.standardizedFileURL.path
        guard resolved.hasPrefix(rootPath + "/") else { return "leaves the repository" }
        guard FileManager.default.fileExists(atPath: resolved) else { return "names no file in the repository" }
        return nil
    }
}

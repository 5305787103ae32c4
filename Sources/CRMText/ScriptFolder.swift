import COpenCC

/// Folds Traditional and Simplified Chinese to one script, so merchant text written in either
/// compares equal: `法式蕾絲文胸` and `法式蕾丝文胸` both fold to `法式蕾丝文胸`. Each character is
/// replaced by itself as OpenCC's Traditional-to-Simplified conversion (`t2s`) writes it; that
/// direction is many-to-one, so two spellings of one word meet, and Simplified text folds to itself.
///
/// Character by character, not phrase by phrase: a word found in a text is then always found in
/// the folded text (phrase conversion may turn a character one way alone and another way inside a
/// longer phrase), and folding is a table lookup, cheap enough for every order ingested. The table
/// is made once, at start, by converting every CJK character through OpenCC.
///
/// Folding is for comparing only: stored text is shown as it was sent. Both sides of a comparison
/// must be folded (a keyword and the text it is looked for in).
public struct ScriptFolder: Sendable {
    /// The folder every comparison uses, made at first use. OpenCC's data must be installed (Debian's
    /// `libopencc-data`, pulled in by `libopencc-dev`); crmd calls `load()` before serving, so
    /// failing here is a broken installation.
    public static var shared: ScriptFolder {
        switch loaded {
        case .success(let folder): return folder
        case .failure(let error): preconditionFailure("\(error)")
        }
    }

    /// The shared folder, or why OpenCC's conversion could not be opened.
    public static func load() throws -> ScriptFolder { try loaded.get() }

    private static let loaded: Result<ScriptFolder, ScriptFolderError> = {
        do throws(ScriptFolderError) {
            return .success(try ScriptFolder())
        } catch {
            return .failure(error)
        }
    }()

    /// The blocks of CJK characters folded: radicals, extension A, unified ideographs, compatibility
    /// ideographs, and the supplementary extensions B to F and their compatibility block.
    static let blocks: [ClosedRange<UInt32>] = [
        0x2E80...0x2FDF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,
        0x20000...0x2A6DF, 0x2A700...0x2EBEF, 0x2F800...0x2FA1F,
    ]

    /// Characters that fold to another (about 4,000 with OpenCC 1.1's tables).
    let table: [UInt32: Unicode.Scalar]
    /// The same for the Basic Multilingual Plane as a flat array from U+2E80 (the folded scalar's
    /// value, 0 for a character left alone): every order's items are folded, and a dictionary
    /// lookup per character was most of it.
    private let bmp: [UInt32]
    private static let bmpStart: UInt32 = 0x2E80

    /// Builds the table with OpenCC's `config` (a file name in OpenCC's data directory, or a path).
    public init(config: String = "t2s.json") throws(ScriptFolderError) {
        var handle: UnsafeMutableRawPointer? = nil
        for candidate in [config, "/usr/share/opencc/" + config] {
            if let h = opencc_open(candidate), Int(bitPattern: h) != -1 {
                handle = h
                break
            }
        }
        guard let handle else {
            throw ScriptFolderError(
                message: "cannot open the OpenCC conversion \(config): \(String(cString: opencc_error())); install OpenCC's data (Debian: libopencc-data)")
        }
        defer { opencc_close(handle) }
        // One character a line: OpenCC's phrases never span a line break, so each is converted alone.
        let characters = Self.blocks.flatMap { $0.compactMap(Unicode.Scalar.init) }
        var text = String.UnicodeScalarView()
        for c in characters {
            text.append(c)
            text.append("\n")
        }
        let input = String(text)
        guard let converted = opencc_convert_utf8(handle, input, input.utf8.count) else {
            throw ScriptFolderError(message: "OpenCC could not convert its own characters: \(String(cString: opencc_error()))")
        }
        defer { opencc_convert_utf8_free(converted) }
        let lines = String(cString: converted).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= characters.count else {
            throw ScriptFolderError(message: "OpenCC answered \(lines.count) lines for \(characters.count) characters")
        }
        var table: [UInt32: Unicode.Scalar] = [:]
        for (c, line) in zip(characters, lines) {
            // Only one character for one: a conversion to several (none in OpenCC 1.1) is left out.
            let out = line.unicodeScalars
            if out.count == 1, let folded = out.first, folded != c { table[c.value] = folded }
        }
        self.table = table
        var bmp = [UInt32](repeating: 0, count: Int(0x10000 - Self.bmpStart))
        for (c, folded) in table where c < 0x10000 { bmp[Int(c - Self.bmpStart)] = folded.value }
        self.bmp = bmp
    }

    /// What `c` folds to, or nil when it is left alone.
    @inline(__always)
    private func folded(_ c: Unicode.Scalar) -> Unicode.Scalar? {
        let v = c.value
        guard v >= Self.bmpStart else { return nil }
        guard v < 0x10000 else { return table[v] }
        let f = bmp[Int(v - Self.bmpStart)]
        return f == 0 ? nil : Unicode.Scalar(f)
    }

    /// `text` in one script (text without CJK characters comes back as it is).
    public func fold(_ text: String) -> String {
        foldedIfChanged(text) ?? text
    }

    /// The folded text, or nil when folding leaves it as it is (what a `*_fold` column holds): nil
    /// exactly when no character of it folds to another.
    public func foldedIfChanged(_ text: String) -> String? {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { folded($0) != nil }) else { return nil }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[..<first])
        for c in scalars[first...] { out.append(folded(c) ?? c) }
        return String(out)
    }

    /// The part of the table that matters for comparing stored text with `folded` texts (already
    /// folded), as the two strings of SQL's `translate(text, from, to)`: every character that folds
    /// to a character of theirs or is one. `translate` with them equals one of the texts exactly
    /// when `fold` of the stored text does (a character left alone is in none of them either way),
    /// so text that was not folded when written is compared at query time with a short table.
    public func translation(toward folded: [String]) -> (from: String, to: String) {
        let wanted = Set(folded.flatMap { $0.unicodeScalars.map(\.value) })
        var from = String.UnicodeScalarView(), to = String.UnicodeScalarView()
        for (c, f) in table.sorted(by: { $0.key < $1.key }) where wanted.contains(f.value) || wanted.contains(c) {
            guard let scalar = Unicode.Scalar(c) else { continue }
            from.append(scalar)
            to.append(f)
        }
        return (String(from), String(to))
    }

    /// How many characters fold to another.
    public var size: Int { table.count }
}

/// OpenCC's conversion could not be opened.
public struct ScriptFolderError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

import COpenCC
import Foundation

/// Folds Traditional and Simplified Chinese to one script, so merchant text written in either
/// compares equal: `法式蕾絲文胸` and `法式蕾丝文胸` fold to the same text. It converts Traditional to
/// Simplified with OpenCC's `t2s` conversion (phrases first, then characters); that direction is
/// many-to-one, so two spellings of one word meet, and Simplified text folds to itself. Folding is
/// for comparing only: stored text is shown as it was sent. Both sides of a comparison must be
/// folded (a keyword and the text it is looked for in).
public final class ScriptFolder: @unchecked Sendable {
    /// The folder every comparison uses, opened at first use. OpenCC's data must be installed
    /// (Debian's `libopencc-data`, pulled in by `libopencc-dev`): without it nothing can be compared
    /// correctly, so a missing file stops the process with a message saying what to install.
    public static let shared: ScriptFolder = {
        do {
            return try ScriptFolder()
        } catch {
            preconditionFailure("\(error)")
        }
    }()

    /// OpenCC's handle; its converter is immutable once opened, the lock makes no assumption about
    /// OpenCC's own thread safety (a conversion takes microseconds).
    private let handle: UnsafeMutableRawPointer
    private let lock = NSLock()

    /// Opens `config` (a file name in OpenCC's data directory, or a path).
    public init(config: String = "t2s.json") throws {
        var opened: UnsafeMutableRawPointer? = nil
        for candidate in [config, "/usr/share/opencc/" + config] {
            let h = opencc_open(candidate)
            if let h, Int(bitPattern: h) != -1 {
                opened = h
                break
            }
        }
        guard let opened else {
            throw ScriptFolderError(message: "cannot open the OpenCC conversion \(config): \(String(cString: opencc_error())); install the OpenCC data (Debian: libopencc-data)")
        }
        handle = opened
    }

    deinit { opencc_close(handle) }

    /// `text` in one script. Text without Chinese (ASCII) is returned as it is, without a call into OpenCC.
    public func fold(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        var input = text
        return input.withUTF8 { bytes -> String in
            lock.lock()
            defer { lock.unlock() }
            guard let base = bytes.baseAddress,
                  let converted = base.withMemoryRebound(to: CChar.self, capacity: bytes.count, { opencc_convert_utf8(handle, $0, bytes.count) }) else {
                // OpenCC refuses only what is not UTF-8, which a Swift string never is.
                preconditionFailure("OpenCC could not convert valid UTF-8: \(String(cString: opencc_error()))")
            }
            defer { opencc_convert_utf8_free(converted) }
            return String(cString: converted)
        }
    }

    /// The folded text, or nil when folding leaves it as it is (what a `*_fold` column holds).
    public func foldedIfChanged(_ text: String) -> String? {
        let folded = fold(text)
        return folded == text ? nil : folded
    }
}

/// OpenCC's conversion could not be opened.
public struct ScriptFolderError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

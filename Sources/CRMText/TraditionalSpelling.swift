import COpenCC
import Synchronization

/// Writes Simplified Chinese text in Traditional characters, as OpenCC's Simplified-to-Traditional
/// conversion (`s2t`) does: phrase by phrase, so `头发` becomes `頭髮` and `发展` becomes `發展`.
/// `crm-bench identity-generate` uses it to spell some records of a person the way a Traditional
/// shop channel (Hong Kong, Taiwan, an older till) would; crmd itself never converts this way (it
/// folds both scripts to one with `ScriptFolder` for comparing).
///
/// One OpenCC converter behind a lock: OpenCC does not promise that a converter may be used by
/// several threads at once, and the generator calls it from one thread anyway.
public final class TraditionalSpelling: Sendable {
    private let handle: Mutex<UnsafeMutableRawPointer>

    /// Opens OpenCC's `config` (a file name in OpenCC's data directory, or a path).
    public init(config: String = "s2t.json") throws(ScriptFolderError) {
        for candidate in [config, "/usr/share/opencc/" + config] {
            if let h = opencc_open(candidate), Int(bitPattern: h) != -1 {
                handle = Mutex(h)
                return
            }
        }
        throw ScriptFolderError(
            message: "cannot open the OpenCC conversion \(config): \(String(cString: opencc_error())); install OpenCC's data (Debian: libopencc-data)")
    }

    deinit {
        _ = handle.withLock { opencc_close($0) }
    }

    /// `text` in Traditional characters; text without Simplified characters comes back as it is,
    /// and so does text OpenCC cannot convert (it only fails on invalid UTF-8, which a Swift string
    /// never is).
    public func traditional(_ text: String) -> String {
        guard !text.isEmpty else { return text }
        return handle.withLock { h in
            guard let converted = opencc_convert_utf8(h, text, text.utf8.count) else { return text }
            defer { opencc_convert_utf8_free(converted) }
            return String(cString: converted)
        }
    }
}

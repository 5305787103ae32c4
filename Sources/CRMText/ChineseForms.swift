import CRMDomain

/// The production `ScriptForms`: Traditional folded to Simplified by `ScriptFolder` (OpenCC) and
/// pinyin by `PinyinTable` (ICU). Both tables are made once per process; crmd loads them before
/// serving (`ChineseForms.load()`), so a broken installation stops it at start, not mid-push.
public struct ChineseForms: ScriptForms {
    public static let shared = ChineseForms(folder: .shared, pinyin: .shared)

    let folder: ScriptFolder
    let table: PinyinTable

    public init(folder: ScriptFolder, pinyin: PinyinTable) {
        self.folder = folder
        self.table = pinyin
    }

    /// Makes both tables, or says why not.
    public static func load() throws -> ChineseForms {
        let folder = try ScriptFolder.load()
        guard PinyinTable.shared.count > 10_000 else {
            throw ScriptFolderError(message: "ICU's Han-Latin transliteration gave pinyin for \(PinyinTable.shared.count) characters only")
        }
        return ChineseForms(folder: folder, pinyin: .shared)
    }

    public func fold(_ text: String) -> String { folder.fold(text) }
    public func pinyin(_ text: String) -> String { table.spell(text) }
}

import CRMDomain
import CRMStorage
import Foundation

/// The key file of the whole test run: fixed keys (so every test database, in-process server and
/// spawned crmd of any run reads the others' data), written once with mode 0600, and named in
/// `CRM_KEY_FILE` so that spawned crmd processes and clients inherit it.
enum TestKeys {
    static let path: String = {
        let path = NSTemporaryDirectory() + "crm-test-keys-\(getuid()).json"
        let keys = KeyFileFormat(
            current: "t1", master: ["t1": Array(repeating: 0x11, count: 32)], index: Array(repeating: 0x22, count: 32))
        if (try? KeyFile.read(path))?.0 != keys { try! KeyFile.write(keys, to: path, replacing: true) }
        setenv("CRM_KEY_FILE", path, 1)
        return path
    }()

    /// A key source over the test key file.
    static var source: KeySource { try! KeySource(path: path) }

    /// A codec over the test keys, to open what a test reads straight from the database.
    static var codec: PersonalDataCodec { PersonalDataCodec(keys: source) }
}

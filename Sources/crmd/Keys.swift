import ArgumentParser
import CRMDomain
import CRMStorage

/// `crmd keys`: the key file that seals members' personal data (docs/privacy.md).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make and rotate the key file that seals personal data.", subcommands: [Init.self, Rotate.self, Retire.self])

    /// `crmd keys init`: a new key file, mode 0600, never over an existing one.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key file (a master key and a blind-index key) with mode 0600.",
            discussion: """
                Back the file up apart from the database backups: without it nothing sealed can be read,
                and with it and a database backup everything can. crmd refuses a key file others may read.
                """)

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let path = database.resolvedKeyFile
            do { try KeyFile.write(KeyFileFormat.generate(), to: path, replacing: false) } catch { throw ValidationError(error.description) }
            print("created \(path) (master key m1); back it up apart from the database")
        }
    }
}

import ArgumentParser
import CRMDomain
import CRMText
import Foundation

/// `crm-bench sealed`: the pieces of `scripts/bench privacy` that need the key file. `seal` turns
/// plain addresses into what crmd writes (a data key per member, wrapped; the sealed address; its
/// n-gram hashes), so a million members load in seconds rather than through the ingest; `grams`
/// prints a keyword's hashes; `match` is the other way of evaluating an address keyword: every
/// sealed address opened and searched, as crmd would have to without the hashes.
struct SealedAddresses: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sealed", abstract: "Sealed addresses for the address-keyword benchmark.", subcommands: [Seal.self, Grams.self, Match.self])

    /// The key file's keys (the one crmd serves with).
    struct KeyOptions: ParsableArguments {
        @Option(help: "The key file crmd uses.") var keyFile: String

        func keyring() throws -> Keyring {
            let text = try String(contentsOfFile: keyFile, encoding: .utf8)
            switch KeyFileFormat.parse(text) {
            case .success(let file): return Keyring(file)
            case .failure(let problem): throw ValidationError("\(keyFile): \(problem.message)")
            }
        }
    }

    /// Reads `id<TAB>address` lines (COPY text), writes `id<TAB>master key id<TAB>wrapped data key
    /// (bytea)<TAB>sealed address<TAB>address_grams` lines, the data key's id being the member's.
    struct Seal: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal plain addresses under a new data key each (COPY text in and out).")
        @OptionGroup var keys: KeyOptions

        func run() throws {
            let ring = try keys.keyring()
            var out = ""
            while let line = readLine() {
                let f = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard f.count == 2, let id = Int64(f[0]) else { throw ValidationError("expected id<TAB>address, got \(line)") }
                let key = Keyring.newDataKey()
                let wrapped = ring.wrap(key)
                let address = String(f[1])
                let sealed = FieldCipher(keyID: id, key: key).seal(address)!
                let grams = ring.blindIndex.grams(kind: "address", of: ScriptFolder.shared.fold(address).lowercased())
                out += "\(id)\t\(wrapped.masterKeyID)\t\\\\x\(hex(wrapped.bytes))\t\(sealed)\t{\(grams.map(String.init).joined(separator: ","))}\n"
                if out.utf8.count > 1 << 20 {
                    FileHandle.standardOutput.write(Data(out.utf8))
                    out = ""
                }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }

    /// Prints a keyword's n-gram hashes as a `bigint[]` literal.
    struct Grams: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A keyword's n-gram hashes, as crmd compares them.")
        @OptionGroup var keys: KeyOptions
        @Option(help: "The keyword.") var keyword: String

        func run() throws {
            let grams = try keys.keyring().blindIndex.grams(kind: "address", of: ScriptFolder.shared.fold(keyword).lowercased())
            print("{" + grams.map(String.init).joined(separator: ",") + "}")
        }
    }

    /// Reads `member id<TAB>sealed address<TAB>data key id<TAB>master key id<TAB>wrapped key` lines
    /// (COPY text), opens every address and counts those holding the keyword (scripts folded);
    /// prints the count and the seconds spent.
    struct Match: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open every sealed address and count those holding a keyword.")
        @OptionGroup var keys: KeyOptions
        @Option(help: "The keyword.") var keyword: String

        func run() throws {
            let ring = try keys.keyring()
            let wanted = ScriptFolder.shared.fold(keyword).lowercased()
            // After the folding table is loaded (once per process in crmd too).
            let started = Date()
            var rows = 0, matched = 0
            while let line = readLine() {
                let f = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard f.count == 5, let keyID = Int64(f[2]), f[4].hasPrefix("\\\\x"), let bytes = unhex(f[4].dropFirst(3)) else {
                    throw ValidationError("expected id, sealed, key id, master key id, wrapped; got \(line)")
                }
                rows += 1
                guard let key = ring.unwrap(WrappedKey(masterKeyID: String(f[3]), bytes: bytes)),
                    let address = FieldCipher(keyID: keyID, key: key).open(String(f[1]))
                else { continue }
                if ScriptFolder.shared.fold(address).lowercased().contains(wanted) { matched += 1 }
            }
            print("\(matched) of \(rows) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

private func unhex(_ text: Substring) -> [UInt8]? {
    let u = Array(text.utf8)
    guard u.count % 2 == 0 else { return nil }
    func v(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity(u.count / 2)
    var i = 0
    while i < u.count {
        guard let hi = v(u[i]), let lo = v(u[i + 1]) else { return nil }
        out.append(hi << 4 | lo)
        i += 2
    }
    return out
}

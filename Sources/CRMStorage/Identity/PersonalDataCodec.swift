import CRMDomain
import CRMJSON
import CRMPostgres
import CRMText
import Foundation

/// The one place personal fields pass through on their way into and out of the database, and where
/// their lookup keys are made (docs/privacy.md). Values are sealed under their member's data key
/// (`FieldCipher`); data keys are kept wrapped by the key file's current master key in `data_key`;
/// lookup keys are blind indexes under the key file's index key. SQL never sees a personal value:
/// statements that read sealed columns also read the data key (`keyColumns`) and the codec opens
/// the values in crmd.
public struct PersonalDataCodec: Sendable {
    public let keys: KeySource

    public init(keys: KeySource) { self.keys = keys }

    /// The blind index of a normalised value of `kind` (`phone`, `email`, a platform id kind, `name`,
    /// `block` for blocking keys, …): equal values give equal indexes, nothing else can be learnt.
    public func index(kind: String, _ normalized: String) -> String {
        keys.keyring.blindIndex.value(kind: kind, normalized)
    }

    /// The blocking keys of `fields` as blind indexes.
    func blockingIndexes(_ fields: PersonFields) -> [String] {
        let ring = keys.keyring
        return fields.blockingKeys.map { ring.blindIndex.value(kind: "block", $0) }
    }

    // MARK: data keys

    /// The columns a statement selects to open values sealed under the key joined as `alias`.
    public static func keyColumns(_ alias: String) -> String { "\(alias).id, \(alias).master_key_id, \(alias).wrapped" }

    /// The cipher of the data key selected by `keyColumns` at columns `at`…`at + 2`; nil when the row
    /// has none (joined nothing) or the key was destroyed (the member was erased).
    public func cipher(_ row: PostgresRow, at index: Int) throws -> FieldCipher? {
        guard let id: Int64 = try row.decode(at: index), let master: String = try row.decode(at: index + 1),
            let wrapped: [UInt8] = try row.decode(at: index + 2)
        else { return nil }
        return keys.dataKeys.cipher(id: id, masterKeyID: master, wrapped: wrapped) {
            guard let key = keys.keyring.unwrap(WrappedKey(masterKeyID: master, bytes: wrapped)) else {
                preconditionFailure("data key \(id) is wrapped with master key \(master), which the key file \(keys.path) does not hold")
            }
            return FieldCipher(keyID: id, key: key)
        }
    }

    /// The sealed value at column `value` of a row, opened with the data key selected by `keyColumns`
    /// at `key` (nil when there is none, or the key was destroyed).
    public func open(_ row: PostgresRow, value: Int, key: Int) throws -> String? {
        try cipher(row, at: key)?.open(try row.decode(at: value))
    }

    /// Makes a new data key for each of `members` (made just now), sets it as the member's key, and
    /// returns the ciphers in the order of `members`.
    func newCiphers(_ c: PostgresConnection, members: [Int64]) throws -> [FieldCipher] {
        guard !members.isEmpty else { return [] }
        let ring = keys.keyring
        let (plain, wrapped) = Self.newKeys(members.count, ring: ring)
        let ids = try c.queryPrepared(
            """
            WITH k AS (
                INSERT INTO data_key (member_id, master_key_id, wrapped)
                SELECT m, $2, decode(w, 'base64') FROM unnest($1::bigint[], $3::text[]) WITH ORDINALITY AS t(m, w, n) ORDER BY n
                RETURNING id, member_id)
            UPDATE member m SET key_id = k.id FROM k WHERE m.id = k.member_id RETURNING m.id, k.id
            """, [.intArray(members), .text(ring.currentMasterID), .textArray(wrapped.map { Data($0).base64EncodedString() })])
        var keyOf: [Int64: Int64] = [:]
        for row in ids { keyOf[try row.decode(at: 0)] = try row.decode(at: 1) }
        return members.enumerated().map { i, m in FieldCipher(keyID: keyOf[m]!, key: plain[i]) }
    }

    /// Makes `count` data keys for members not written yet: each key row takes a member id drawn now
    /// from `member`'s identity, so that the caller writes each member row once, with its key and its
    /// golden record (`GoldenRecordWriter.insert`), not inserted, given its key and then its record.
    /// Returns the member ids in ascending order with their ciphers.
    func newMemberKeys(_ c: PostgresConnection, count: Int) throws -> (members: [Int64], ciphers: [FieldCipher]) {
        guard count > 0 else { return ([], []) }
        let ring = keys.keyring
        let (plain, wrapped) = Self.newKeys(count, ring: ring)
        let plainOf = Dictionary(uniqueKeysWithValues: wrapped.enumerated().map { ($1, $0) })
        var made: [(member: Int64, cipher: FieldCipher)] = []
        for row in try c.queryPrepared(
            """
            INSERT INTO data_key (member_id, master_key_id, wrapped)
            SELECT nextval(pg_get_serial_sequence('member', 'id')), $1, decode(w, 'base64') FROM unnest($2::text[]) AS t(w)
            RETURNING member_id, id, wrapped
            """, [.text(ring.currentMasterID), .textArray(wrapped.map { Data($0).base64EncodedString() })])
        {
            let bytes: [UInt8] = try row.decode(at: 2)
            guard let i = plainOf[bytes] else { preconditionFailure("a data key came back other than it was written") }
            made.append((try row.decode(at: 0), FieldCipher(keyID: try row.decode(at: 1), key: plain[i])))
        }
        precondition(made.count == count, "one data key per new member")
        made.sort { $0.member < $1.member }
        return (made.map(\.member), made.map(\.cipher))
    }

    /// `count` new random data keys, each wrapped with `ring`'s current master key.
    private static func newKeys(_ count: Int, ring: Keyring) -> (plain: [Keyring.DataKey], wrapped: [[UInt8]]) {
        let plain = (0..<count).map { _ in Keyring.newDataKey() }
        return (plain, plain.map { ring.wrap($0).bytes })
    }

    // MARK: derived indexes of a golden record

    /// The blind indexes segment conditions compare, derived from a member's golden record:
    /// `name_bidx`, `email_domain_bidx`, `birthday_bidx`, `address_grams`.
    func memberIndexes(name: String?, phone: String?, email: String?, birthday: String?, address: String?) -> MemberIndexes {
        let ring = keys.keyring.blindIndex
        let domain = email.flatMap { e in e.firstIndex(of: "@").map { String(e[e.index(after: $0)...]) } }
        return MemberIndexes(
            name: name.map { ring.value(kind: "name", $0) }, nameGrams: name.map { ring.grams(kind: "name", of: Self.searchText($0)) },
            phoneTail: phone.map { ring.value(kind: "phone_tail", String($0.suffix(Self.phoneTailDigits))) },
            emailDomain: domain.map { ring.value(kind: "email_domain", $0) },
            birthday: birthday.map { ring.value(kind: "birthday", $0) },
            addressGrams: address.map { ring.grams(kind: "address", of: ScriptFolder.shared.fold($0).lowercased()) })
    }

    /// Digits of a phone's end that `phone_tail_bidx` indexes (a search by 4 or more final digits
    /// looks the last 4 up, then compares the opened phones).
    static let phoneTailDigits = 4

    /// Name text as name searches compare it: one script, lower case.
    static func searchText(_ name: String) -> String { ScriptFolder.shared.fold(name).lowercased() }

    /// The n-gram indexes a name fragment must all find among a member's `name_grams`.
    func nameGrams(_ fragment: String) -> [Int64] { keys.keyring.blindIndex.grams(kind: "name", of: Self.searchText(fragment)) }

    /// The blind index of one attribute value: `name=value` with the value folded to one script and
    /// lower-cased, as segment conditions on attributes compare it.
    public func attributeHash(name: String, value: String) -> Int64 {
        keys.keyring.blindIndex.hash64(kind: "attribute", name + "=" + ScriptFolder.shared.fold(value).lowercased())
    }

    /// The attribute hashes of an account's pushed `attributes` (a JSON object): one per attribute
    /// whose value is text, a number or a boolean, and one per such element of a list value; as a
    /// `bigint[]` literal.
    func attributeHashesText(_ attributesJSON: String) -> String {
        guard case .object(let o)? = try? JSONParser.parse(attributesJSON) else { return "{}" }
        var hashes = Set<Int64>()
        for (name, value) in o {
            let values: [JSONValue]
            if case .array(let list) = value { values = list } else { values = [value] }
            for v in values {
                switch v {
                case .string(let text): hashes.insert(attributeHash(name: name, value: text))
                case .number(let text): hashes.insert(attributeHash(name: name, value: text))
                case .bool(let b): hashes.insert(attributeHash(name: name, value: b ? "true" : "false"))
                default: continue
                }
            }
        }
        return "{" + hashes.sorted().map(String.init).joined(separator: ",") + "}"
    }

    /// The n-gram indexes a keyword must all find among a member's `address_grams`.
    public func keywordGrams(_ keyword: String) -> [Int64] {
        keys.keyring.blindIndex.grams(kind: "address", of: ScriptFolder.shared.fold(keyword).lowercased())
    }
}

/// A member's derived blind indexes, as `PersonalDataCodec.memberIndexes` makes them.
struct MemberIndexes {
    var name: String?
    var nameGrams: [Int64]?
    var phoneTail: String?
    var emailDomain: String?
    var birthday: String?
    var addressGrams: [Int64]?

    /// `address_grams` as a `bigint[]` literal, or nil.
    var addressGramsText: String? { addressGrams.map(Self.literal) }
    var nameGramsText: String? { nameGrams.map(Self.literal) }

    static func literal(_ values: [Int64]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }
}

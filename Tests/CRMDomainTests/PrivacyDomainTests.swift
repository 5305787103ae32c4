import Crypto
import Foundation
import Testing

@testable import CRMDomain

@Suite("sealing personal fields, blind indexes and the key file, without a database")
struct PrivacyDomainTests {
    let keys = KeyFileFormat(current: "m1", master: ["m1": Array(repeating: 7, count: 32)], index: Array(repeating: 9, count: 32))

    @Test("nonces drawn a page at a time are never handed out twice, across refills, and seal values that open")
    func noncesAreFresh() {
        let draws = NonceSource.pageSize / 12 * 5
        let nonces = Set((0..<draws).map { _ in Array(NonceSource.shared.next()) })
        #expect(nonces.count == draws)
        let page = NonceSource.fetch(NonceSource.pageSize)
        #expect(Set(page).count > 200, "a page of random bytes holds most byte values")
        let cipher = FieldCipher(keyID: 7, key: SymmetricKey(size: .bits256))
        let sealed = (0..<50).map { _ in cipher.seal("王小明")! }
        #expect(Set(sealed).count == 50)
        #expect(sealed.allSatisfy { cipher.open($0) == "王小明" })
    }

    @Test("a field sealed under a data key opens with it; the text holds the key id and nothing of the value")
    func sealAndOpen() {
        let cipher = FieldCipher(keyID: 42, key: Keyring.newDataKey())
        let sealed = cipher.seal("+8613911110001")!
        #expect(sealed.hasPrefix("42."))
        #expect(!sealed.contains("13911110001"))
        #expect(FieldCipher.keyID(of: sealed) == 42)
        #expect(cipher.open(sealed) == "+8613911110001")
        #expect(cipher.seal("+8613911110001") != sealed, "a fresh nonce every time")
        #expect(cipher.seal(nil) == nil && cipher.open(nil) == nil)
    }

    @Test("a data key wrapped by the current master key unwraps with it; an unknown master key unwraps nothing")
    func wrapAndUnwrap() {
        let ring = Keyring(keys)
        let dataKey = Keyring.newDataKey()
        let wrapped = ring.wrap(dataKey)
        #expect(wrapped.masterKeyID == "m1" && wrapped.bytes.count == 60)
        let back = ring.unwrap(wrapped)
        #expect(back.map { k in k.withUnsafeBytes { Array($0) } } == dataKey.withUnsafeBytes { Array($0) })
        let rotated = Keyring(keys.rotated())
        #expect(rotated.currentMasterID == "m2")
        #expect(rotated.unwrap(wrapped) != nil, "the old master key stays in the file after a rotation")
        #expect(ring.unwrap(rotated.wrap(dataKey)) == nil, "a keyring without m2 cannot unwrap what m2 wrapped")
    }

    @Test("blind indexes: equal values equal, kinds apart, another index key unrelated")
    func blindIndexes() {
        let index = Keyring(keys).blindIndex
        let phone = index.value(kind: "phone", "+8613911110001")
        #expect(phone.count == 22 && !phone.contains("+") && !phone.contains("/"))
        #expect(phone == index.value(kind: "phone", "+8613911110001"))
        #expect(phone != index.value(kind: "email", "+8613911110001"))
        let key = SymmetricKey(data: Array(repeating: UInt8(9), count: 32))
        let reference = HMAC<SHA256>.authenticationCode(for: Array("phone".utf8) + [0x1F] + Array("+8613911110001".utf8), using: key)
        #expect(
            phone
                == Data(Array(reference).prefix(16)).base64EncodedString().prefix(22).replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_"), "HMAC-SHA-256 as RFC 2104 defines it")
        let other = BlindIndex(key: SymmetricKey(data: Array(repeating: UInt8(1), count: 32)))
        #expect(phone != other.value(kind: "phone", "+8613911110001"))
        // Indexes already stored stay valid: the encoding is Foundation's base64, made URL-safe, cut to 22.
        for n in 0..<200 {
            let value = "block-\(n)"
            let mac = HMAC<SHA256>.authenticationCode(for: Array("block".utf8) + [0x1F] + Array(value.utf8), using: key)
            let expected = Data(Array(mac).prefix(16)).base64EncodedString().prefix(22)
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(index.value(kind: "block", value) == expected)
        }
    }

    @Test("base64 decoding agrees with Foundation's on every length and refuses what is not padded base64")
    func base64() {
        for n in 0..<70 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Data(bytes).base64EncodedString()
            #expect(Base64.decode(text.utf8) == bytes, "\(n) bytes")
        }
        for bad in ["QQ", "QQ=", "Q===", "QQ=A", "Q Q=", "QQ==QQ==", "é=="] {
            #expect(Base64.decode(bad.utf8) == nil, "\(bad)")
        }
    }

    @Test("n-gram hashes come out the same whether remembered, forgotten when the cache is full, or made afresh")
    func gramCache() {
        let cache = GramCache(capacity: 4)
        var made = 0
        let plain: (String) -> Int64 = { gram in Int64(gram.unicodeScalars.reduce(UInt32(0)) { $0 &* 31 &+ $1.value }) }
        let hash: ([UInt8]) -> Int64 = { bytes in
            made += 1
            return plain(String(decoding: bytes, as: UTF8.self))
        }
        func packed(_ grams: [String]) -> Set<UInt64> { Set(grams.map { GramCache.pack($0.utf8)! }) }
        let first = cache.hashes(kind: "address", of: packed(["上", "海", "上海"]), hash: hash)
        #expect(made == 3 && cache.count == 3)
        #expect(Set(first) == Set(["上", "海", "上海"].map(plain)))
        #expect(Set(cache.hashes(kind: "address", of: packed(["上", "海", "上海"]), hash: hash)) == Set(first))
        #expect(made == 3, "remembered grams are not hashed again")
        // Two more do not fit beside them: grams not used lately are dropped, and the answers stay right.
        let second = cache.hashes(kind: "address", of: packed(["浦", "东"]), hash: hash)
        #expect(made == 5 && cache.count <= 4)
        #expect(Set(second) == Set(["浦", "东"].map(plain)))
        // The kind is part of the key: a name gram is not an address gram.
        _ = cache.hashes(kind: "name", of: packed(["浦"]), hash: hash)
        #expect(made == 6)
        // Packing keeps grams apart and round-trips; a gram longer than 7 bytes is not packed.
        #expect(GramCache.pack("上".utf8) != GramCache.pack("上\u{0}".utf8))
        #expect(GramCache.unpack(GramCache.pack("浦东".utf8)!) == Array("浦东".utf8))
        #expect(GramCache.pack(String(repeating: "长", count: 3).utf8) == nil)
        // Through the blind index: cached grams equal the keyed hash of each gram.
        let index = BlindIndex(key: SymmetricKey(data: Array(repeating: UInt8(7), count: 32)))
        let once = index.grams(kind: "address", of: "上海市浦东")
        #expect(index.grams(kind: "address", of: "上海市浦东") == once)
        #expect(once == Set(["上", "海", "市", "浦", "东", "上海", "海市", "市浦", "浦东"].map { index.hash64(kind: "address", $0) }).sorted())
        // Grams too long to pack (characters outside the Basic Multilingual Plane take four bytes) are hashed alike.
        #expect(index.grams(kind: "name", of: "𠀀𠀁 a") == Set(["𠀀", "𠀁", "𠀀𠀁", "a", "𠀁a"].map { index.hash64(kind: "name", $0) }).sorted())
    }

    @Test("n-gram indexes: a keyword's grams are among the text's when the text contains it")
    func grams() {
        let index = Keyring(keys).blindIndex
        let address = index.grams(kind: "address", of: "上海市浦东新区世纪大道100号")
        #expect(Set(index.grams(kind: "address", of: "浦东")).isSubset(of: Set(address)))
        #expect(Set(index.grams(kind: "address", of: "100号")).isSubset(of: Set(address)))
        #expect(!Set(index.grams(kind: "address", of: "朝阳")).isSubset(of: Set(address)))
        #expect(index.grams(kind: "address", of: "浦 东") == index.grams(kind: "address", of: "浦东"), "white space is not compared")
    }

    @Test("the key file round-trips, and each way it can be wrong is named")
    func keyFile() throws {
        let generated = KeyFileFormat.generate()
        #expect(try KeyFileFormat.parse(generated.serialized()).get() == generated)
        #expect(generated.master["m1"]?.count == 32 && generated.index.count == 32)
        func problem(_ text: String) -> String? {
            if case .failure(let p) = KeyFileFormat.parse(text) { return p.message }
            return nil
        }
        #expect(problem("[]") == "is not a JSON object")
        #expect(problem(#"{"format":"other"}"#)?.contains("format") == true)
        let key = Data(repeating: 1, count: 32).base64EncodedString()
        #expect(problem(#"{"format":"crm-keys-1","current":"m2","master":{"m1":"\#(key)"},"index":"\#(key)"}"#)?.contains("m2") == true)
        #expect(problem(#"{"format":"crm-keys-1","current":"m1","master":{"m1":"c2hvcnQ="},"index":"\#(key)"}"#)?.contains("32 bytes") == true)
        #expect(problem(#"{"format":"crm-keys-1","current":"m1","master":{"m1":"\#(key)"}}"#)?.contains("index") == true)
    }
}

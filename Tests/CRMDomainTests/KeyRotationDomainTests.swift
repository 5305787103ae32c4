import CRMDomain
import Testing

@Suite("key file rotation")
struct KeyRotationDomainTests {
    @Test("a rotated key file makes a new master key current and keeps the others to unwrap with")
    func rotatedKeepsOld() {
        let first = KeyFileFormat.generate()
        let second = first.rotated()
        #expect(second.current == "m2")
        #expect(second.master["m1"] == first.master["m1"])
        #expect(second.master["m2"] != nil && second.master["m2"] != first.master["m1"])
        #expect(second.index == first.index)
        // A data key wrapped under m1 opens with the rotated keyring and rewraps under m2.
        let data = Keyring.newDataKey()
        let old = Keyring(first).wrap(data)
        let ring = Keyring(second)
        let rewrapped = ring.wrap(ring.unwrap(old)!)
        #expect(rewrapped.masterKeyID == "m2")
        let sealed = FieldCipher(keyID: 7, key: data).seal("王小明")
        #expect(FieldCipher(keyID: 7, key: ring.unwrap(rewrapped)!).open(sealed) == "王小明")
    }

    @Test("a master key id retired from the file is never given to a new key")
    func idsNotReused() {
        let third = KeyFileFormat.generate().rotated().rotated()
        #expect(third.current == "m3")
        let retired = KeyFileFormat(current: "m3", master: ["m3": third.master["m3"]!], index: third.index)
        #expect(retired.rotated().current == "m4")
        #expect(KeyFileFormat.parse(retired.rotated().serialized()).map(\.current) == .success("m4"))
    }
}

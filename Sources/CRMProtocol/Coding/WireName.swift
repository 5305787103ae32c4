/// How a Swift property name is written on the wire: `memberID` is `member_id`, `idempotencyKey`
/// is `idempotency_key`. A run of capitals is one word (`runID`, `URLText` → `run_id`, `url_text`),
/// and so is its plural (`memberIDs` → `member_ids`); a name without capitals is sent as it is.
/// The contract's types therefore write each field's name once, as a Swift property, and need no
/// coding keys.
public enum WireName {
    public static func of(_ swiftName: String) -> String {
        // Called for every field of every value coded, so it works on bytes and allocates
        // nothing for a name without capitals. Only ASCII capitals start words; other bytes pass.
        guard swiftName.utf8.contains(where: isUpper) else { return swiftName }
        let bytes = Array(swiftName.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        for (i, c) in bytes.enumerated() {
            guard isUpper(c) else {
                out.append(c)
                continue
            }
            let previous = i > 0 ? bytes[i - 1] : nil
            let next = i + 1 < bytes.count ? bytes[i + 1] : nil
            let afterNext = i + 2 < bytes.count ? bytes[i + 2] : nil
            // A word starts at a capital after a lower-case letter or digit, or at the last
            // capital of a run that a lower-case letter follows (`URLText` → `url_text`) unless
            // that letter is the run's plural `s` (`memberIDs` → `member_ids`).
            let plural = next == UInt8(ascii: "s") && !(afterNext.map(isLower) ?? false)
            let startsWord =
                previous.map { !isUpper($0) && $0 != UInt8(ascii: "_") } ?? false
                || (previous.map(isUpper) ?? false) && (next.map(isLower) ?? false) && !plural
            if startsWord { out.append(UInt8(ascii: "_")) }
            out.append(c + 32)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUpper(_ c: UInt8) -> Bool { c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") }
    private static func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
}

/// How a Swift property name is written on the wire: `memberID` is `member_id`, `idempotencyKey`
/// is `idempotency_key`. A run of capitals is one word (`runID`, `URLText` → `run_id`, `url_text`),
/// and so is its plural (`memberIDs` → `member_ids`); a name without capitals is sent as it is. The contract's types therefore write each field's
/// name once, as a Swift property, and need no coding keys.
public enum WireName {
    public static func of(_ swiftName: String) -> String {
        let scalars = Array(swiftName.unicodeScalars)
        guard scalars.contains(where: isUpper) else { return swiftName }
        var out = String.UnicodeScalarView()
        for (i, c) in scalars.enumerated() {
            if isUpper(c) {
                let previous = i > 0 ? scalars[i - 1] : nil
                let next = i + 1 < scalars.count ? scalars[i + 1] : nil
                // A word starts at a capital after a lower-case letter or digit, or at the last
                // capital of a run that a lower-case letter follows (`URLText` → `url_text`).
                let afterNext = i + 2 < scalars.count ? scalars[i + 2] : nil
                let plural = next == "s" && !(afterNext.map(isLower) ?? false)
                let startsWord = previous.map { !isUpper($0) && $0 != "_" } ?? false
                    || (previous.map(isUpper) ?? false) && (next.map(isLower) ?? false) && !plural
                if startsWord { out.append("_") }
                out.append(contentsOf: String(c).lowercased().unicodeScalars)
            } else {
                out.append(c)
            }
        }
        return String(out)
    }

    private static func isUpper(_ c: Unicode.Scalar) -> Bool { c >= "A" && c <= "Z" }
    private static func isLower(_ c: Unicode.Scalar) -> Bool { c >= "a" && c <= "z" }
}

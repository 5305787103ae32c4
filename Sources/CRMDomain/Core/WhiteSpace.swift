/// Unicode's White_Space property (its 25 code points), decided without the property tables: matching
/// asks it of every character of every record it opens, and the table lookup was a twentieth of
/// crmd's time in ingest.
public enum WhiteSpace {
    public static func contains(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Whether `c` is white space as `Character.isWhitespace` says (by its first scalar).
    public static func contains(_ c: Character) -> Bool { contains(c.unicodeScalars.first!) }
}

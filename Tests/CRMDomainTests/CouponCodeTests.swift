import CRMDomain
import Testing

@Suite("coupon codes")
struct CouponCodeTests {

    /// Counts the generator's draws (a draw of the system's generator is a system call).
    struct Counting: RandomNumberGenerator {
        var inner: SplitMix64
        var draws = 0
        mutating func next() -> UInt64 {
            draws += 1
            return inner.next()
        }
    }

    @Test("16 characters of the alphabet in groups of four, every character equally likely, two draws a code")
    func shape() {
        var rng = Counting(inner: SplitMix64(seed: 42))
        var perPosition = [[Character: Int]](repeating: [:], count: 16)
        var seen = Set<String>()
        let n = 32_000
        for _ in 0..<n {
            let code = CouponCode.make(using: &rng)
            #expect(code.count == 19)
            let chars = Array(code.replacingOccurrences(of: "-", with: ""))
            #expect(chars.count == 16)
            #expect(code.split(separator: "-").map(\.count) == [4, 4, 4, 4])
            for (i, c) in chars.enumerated() { perPosition[i][c, default: 0] += 1 }
            #expect(CouponCode.normalized(code) == code)
            seen.insert(code)
        }
        #expect(seen.count == n)
        #expect(rng.draws == 2 * n)
        // Each position uses all 32 characters about n / 32 = 1,000 times each.
        for counts in perPosition {
            #expect(counts.count == 32)
            #expect(counts.values.allSatisfy { (850...1_150).contains($0) }, "\(counts)")
        }
        #expect(!seen.contains { $0.contains { "ILOU".contains($0) } })
    }

    @Test("codes as people type them: case, spaces, dashes and look-alike letters forgiven")
    func normalized() {
        #expect(CouponCode.normalized("k7qd 2m9x ab3f 0rtv") == "K7QD-2M9X-AB3F-0RTV")
        #expect(CouponCode.normalized("K7QD2M9XAB3FORTV") == "K7QD-2M9X-AB3F-0RTV")
        #expect(CouponCode.normalized("K7QD-2M9X-AB3F-ORTl") == "K7QD-2M9X-AB3F-0RT1")
        #expect(CouponCode.normalized("K7QD-2M9X-AB3F") == nil)
        #expect(CouponCode.normalized("K7QD-2M9X-AB3F-0RTU") == nil)
    }
}

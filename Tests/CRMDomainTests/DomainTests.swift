import CRMDomain
import Testing

@Suite("roles")
struct RoleTests {
    @Test("each role reaches exactly what the contract gives it")
    func matrix() {
        let expected: [Role: Set<Access>] = [
            .admin: [.open, .session, .read, .write, .push, .admin],
            .operator: [.open, .session, .read, .write],
            .analyst: [.open, .session, .read],
            .agent: [.open, .session, .push],
        ]
        for role in Role.allCases {
            for access in [Access.open, .session, .read, .write, .push, .admin] {
                #expect(role.may(access) == expected[role]!.contains(access), "\(role) / \(access)")
            }
        }
        #expect(Role.agent.isShopBound)
        #expect(!Role.admin.isShopBound)
    }
}

@Suite("access tokens")
struct AccessTokenTests {
    @Test("tokens are prefixed, long, unique, and hash to 32 bytes deterministically")
    func shape() {
        let a = AccessToken.generate()
        let b = AccessToken.generate()
        #expect(a.hasPrefix("crm_"))
        #expect(a.count == 56)
        #expect(a != b)
        #expect(AccessToken.isWellFormed(a))
        #expect(AccessToken.hash(a).count == 32)
        #expect(AccessToken.hash(a) == AccessToken.hash(a))
        #expect(AccessToken.hash(a) != AccessToken.hash(b))
    }

    @Test("malformed token text is recognised before any lookup")
    func malformed() {
        #expect(!AccessToken.isWellFormed(""))
        #expect(!AccessToken.isWellFormed("has space"))
        #expect(!AccessToken.isWellFormed(String(repeating: "x", count: 257)))
        #expect(!AccessToken.isWellFormed("令牌"))
    }
}

@Suite("shop codes and names")
struct ShopCodeTests {
    @Test("valid codes", arguments: ["sh01", "a", "tmall-flagship", "jd_2", String(repeating: "a", count: 32)])
    func valid(_ code: String) { #expect(ShopCode(code) != nil) }

    @Test("invalid codes", arguments: ["", "-sh", "Sh01", "sh 01", "店鋪", String(repeating: "a", count: 33), "sh/01"])
    func invalid(_ code: String) { #expect(ShopCode(code) == nil) }

    @Test("display names are trimmed and bounded")
    func names() {
        #expect(DisplayName.validate("  旗艦店 \u{3000}") == "旗艦店")
        #expect(DisplayName.validate("   ") == nil)
        #expect(DisplayName.validate("a\u{0007}b") == nil)
        #expect(DisplayName.validate(String(repeating: "店", count: 201)) == nil)
    }
}

@Suite("page cursors")
struct PageCursorTests {
    @Test("a cursor decodes to the key it was made from")
    func roundTrip() {
        for key in ["sh01", "42", "", "店鋪-1"] {
            #expect(PageCursor.decode(PageCursor.encode(key)) == key)
        }
    }

    @Test("cursors not made by the server are refused")
    func foreign() {
        #expect(PageCursor.decode("sh01") == nil)
        #expect(PageCursor.decode("c1.zz") == nil)
        #expect(PageCursor.decode("c1.abc") == nil)
        #expect(PageCursor.decode("c1.ff") == nil)  // not UTF-8
    }
}

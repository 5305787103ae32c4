import CRMDomain
import CRMProtocol

/// The `identity` setting as JSON (`config.get` / `config.set`), field by field with defaults.
enum IdentityPolicyJSON {
    static func render(_ p: IdentityPolicy) -> JSONValue {
        [
            "key_priority": .array(p.keyPriority.map(JSONValue.string)),
            "blocked_keys": .array(p.blockedKeys.sorted { $0.description < $1.description }.map { ["kind": .string($0.kind), "value": .string($0.value)] }),
            "max_accounts_per_key_per_shop_channel": .int(p.maxAccountsPerKeyPerShopChannel),
            "max_accounts_per_key": .int(p.maxAccountsPerKey),
            "auto_merge_threshold": .double(p.autoMergeThreshold),
            "review_threshold": .double(p.reviewThreshold),
            "channel_trust": .array(p.channelTrust.map { .string($0.rawValue) }),
            "max_candidates_per_block": .int(p.maxCandidatesPerBlock),
            "max_candidates": .int(p.maxCandidates),
        ]
    }

    /// Reads a policy; members left out keep their defaults. Throws invalid-params naming the field.
    static func parse(_ value: JSONValue, path: String = "value") throws(RPCError) -> IdentityPolicy {
        let p = try Params(value, path: path)
        try p.allowOnly([
            "key_priority", "blocked_keys", "max_accounts_per_key_per_shop_channel", "max_accounts_per_key",
            "auto_merge_threshold", "review_threshold", "channel_trust", "max_candidates_per_block", "max_candidates",
        ])
        var policy = IdentityPolicy()
        if let list = p.object["key_priority"] {
            guard let kinds = list.arrayValue?.compactMap(\.stringValue), kinds.count == list.arrayValue?.count else {
                throw .invalidParams("key_priority must be an array of key kinds", field: p.field("key_priority"))
            }
            policy.keyPriority = kinds
        }
        if let list = p.object["blocked_keys"] {
            guard let entries = list.arrayValue, entries.count <= 10_000 else {
                throw .invalidParams("blocked_keys must be an array of {kind, value}", field: p.field("blocked_keys"))
            }
            var keys = Set<IdentityKey>()
            for (i, entry) in entries.enumerated() {
                let e = try Params(entry, path: p.field("blocked_keys") + "[\(i)]")
                try e.allowOnly(["kind", "value"])
                let kind = try e.string("kind", maxLength: 32)
                var value = try e.string("value", maxLength: 254)
                if kind == "phone" {
                    guard let n = PhoneNumber.normalize(value) else { throw .invalidParams("not a phone number", field: e.field("value")) }
                    value = n
                } else if kind == "email" {
                    guard let n = EmailAddress.normalize(value) else { throw .invalidParams("not an e-mail address", field: e.field("value")) }
                    value = n
                }
                keys.insert(IdentityKey(kind: kind, value: value))
            }
            policy.blockedKeys = keys
        }
        if let v = try p.optionalInt("max_accounts_per_key_per_shop_channel", in: 1...1_000) { policy.maxAccountsPerKeyPerShopChannel = Int(v) }
        if let v = try p.optionalInt("max_accounts_per_key", in: 2...100_000) { policy.maxAccountsPerKey = Int(v) }
        if let v = try p.optionalInt("max_candidates_per_block", in: 1...1_000) { policy.maxCandidatesPerBlock = Int(v) }
        if let v = try p.optionalInt("max_candidates", in: 1...5_000) { policy.maxCandidates = Int(v) }
        for (key, apply) in [
            ("auto_merge_threshold", { (x: Double) in policy.autoMergeThreshold = x }),
            ("review_threshold", { (x: Double) in policy.reviewThreshold = x }),
        ] as [(String, (Double) -> Void)] {
            if let v = p.object[key] {
                guard let d = v.doubleValue else { throw .invalidParams("\(key) must be a number", field: p.field(key)) }
                apply(d)
            }
        }
        if let list = p.object["channel_trust"] {
            guard let names = list.arrayValue?.compactMap(\.stringValue), names.count == list.arrayValue?.count else {
                throw .invalidParams("channel_trust must be an array of channels", field: p.field("channel_trust"))
            }
            let channels = names.compactMap(Channel.init(rawValue:))
            guard channels.count == names.count else { throw .invalidParams("channel_trust names an unknown channel", field: p.field("channel_trust")) }
            policy.channelTrust = channels
        }
        if let problem = policy.problems().first {
            throw .invalidParams(problem, field: path, reason: .badSetting)
        }
        return policy
    }
}

import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

extension ConfigCommand {
    struct Pyramid: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a contribution pyramid tier's thresholds: purchases in the window and the average order.",
            discussion: """
                Tiers are tried from the top; a member is in the first that fits. --purchases: 3+ (at least 3), 2, 1-2. \
                --average in yuan: >300, >=200, <100, <=300, 200-300 (both included), several joined by commas (>=200,<300), or any. \
                Defaults: top 3+ >300; second 2 200-300; third 1 100-200; bottom 1 <100.
                """)
        @OptionGroup var options: CommonOptions
        @Argument(help: "top, second, third or bottom.") var tier: String
        @Option(help: ArgumentHelp("Purchases in the window: 3+, 2 or 1-2.", valueName: "count")) var purchases: String?
        @Option(help: ArgumentHelp("The average order in yuan: >300, 200-300, <100 …", valueName: "range")) var average: String?

        func validate() throws { _ = try changes() }

        /// The tier's fields this command replaces: the purchase fields, the average fields, or both.
        func changes() throws -> (keys: [String], values: JSONObject) {
            guard ["top", "second", "third", "bottom"].contains(tier) else { throw ValidationError("the tier is top, second, third or bottom, not \(tier)") }
            guard purchases != nil || average != nil else { throw ValidationError("give --purchases, --average or both") }
            var keys: [String] = [], values = JSONObject()
            if let purchases {
                keys += ["min_purchases", "max_purchases"]
                for (k, v) in try ConfigWords.purchases(purchases) { values[k] = v }
            }
            if let average {
                keys += ["average_from", "average_above", "average_to", "average_below"]
                for (k, v) in try ConfigWords.average(average) { values[k] = v }
            }
            return (keys, values)
        }

        func run() async throws {
            let (keys, values) = try changes()
            let name = tier
            try await ConfigCommand.update(options, "segments") { value in
                var pyramid = value["pyramid"]?.objectValue ?? JSONObject()
                var t = pyramid[name]?.objectValue ?? JSONObject()
                for key in keys { t[key] = nil }
                for (k, v) in values { t[k] = v }
                pyramid[name] = .object(t)
                value["pyramid"] = .object(pyramid)
            }
        }
    }

    struct TagMap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tag-map", abstract: "Tag members by the attributes their shops push (skin_type=dry → 乾性肌膚).",
            subcommands: [Add.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Tag members whose attribute has a value (any non-empty value without --value).")
            @OptionGroup var options: CommonOptions
            @Argument(help: "The attribute's name, as shops push it.") var attribute: String
            @Argument(help: "The tag to put on.") var tag: String
            @Option(help: "Only this value of the attribute.") var value: String?

            func run() async throws {
                let mapping: JSONObject =
                    value.map { ["attribute": .string(attribute), "value": .string($0), "tag": .string(tag)] }
                    ?? ["attribute": .string(attribute), "tag": .string(tag)]
                try await ConfigCommand.update(options, "tags") { setting in
                    setting["mappings"] = .array((setting["mappings"]?.arrayValue ?? []) + [.object(mapping)])
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop tagging by an attribute (the mapping with that --value, or the one without).")
            @OptionGroup var options: CommonOptions
            @Argument(help: "The attribute's name.") var attribute: String
            @Option(help: "The value the mapping names.") var value: String?

            func run() async throws {
                let (attribute, value) = (attribute, value)
                try await ConfigCommand.update(options, "tags") { setting in
                    let all = setting["mappings"]?.arrayValue ?? []
                    let kept = all.filter { !($0["attribute"]?.stringValue == attribute && $0["value"]?.stringValue == value) }
                    guard kept.count < all.count else {
                        throw CommandFailure("no mapping of \(attribute)\(value.map { "=\($0)" } ?? " (without --value)"); `crmctl config show` lists them")
                    }
                    setting["mappings"] = .array(kept)
                }
            }
        }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keys that never join members: shop landlines, placeholder phones, shared e-mails.",
            subcommands: [Add.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Block a key (the server normalises phones and e-mails).")
            @OptionGroup var options: CommonOptions
            @Argument(help: "phone, email, or a platform id kind such as wechat_unionid.") var kind: String
            @Argument(help: "The key, in any usual format.") var value: String

            func run() async throws {
                let key: JSONValue = ["kind": .string(kind), "value": .string(value)]
                try await ConfigCommand.update(options, "identity") { setting in
                    setting["blocked_keys"] = .array((setting["blocked_keys"]?.arrayValue ?? []) + [key])
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Unblock a key, as `config show` lists it or as it was typed.")
            @OptionGroup var options: CommonOptions
            @Argument(help: "phone, email, or a platform id kind.") var kind: String
            @Argument(help: "The key.") var value: String

            func run() async throws {
                let (kind, value) = (kind, value)
                try await ConfigCommand.update(options, "identity") { setting in
                    let all = setting["blocked_keys"]?.arrayValue ?? []
                    let matching = all.filter {
                        $0["kind"]?.stringValue == kind && ConfigWords.sameKey(kind, stored: $0["value"]?.stringValue ?? "", typed: value)
                    }
                    guard matching.count == 1 else {
                        throw CommandFailure(
                            matching.isEmpty
                                ? "\(kind) \(value) is not blocked; `crmctl config show` lists the blocked keys"
                                : "\(kind) \(value) matches several blocked keys; give it as `crmctl config show` lists it")
                    }
                    setting["blocked_keys"] = .array(all.filter { $0 != matching[0] })
                }
            }
        }
    }
}

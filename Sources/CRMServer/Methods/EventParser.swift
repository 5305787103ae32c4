import CRMDomain
import CRMProtocol
import CRMStorage

/// Reads the `events` of a `sync.push` into typed events, one `PushedEvent` per entry. A bad
/// entry becomes a rejection naming the field by its path (`events[3].member.phone`); it never
/// fails the batch.
enum EventParser {
    static let maxAttributesBytes = 16_384
    static let maxItems = 500

    static func parse(_ events: [JSONValue]) -> [PushedEvent] {
        events.enumerated().map { index, value in parse(value, index: index) }
    }

    static func parse(_ value: JSONValue, index: Int) -> PushedEvent {
        let path = "events[\(index)]"
        let hash = ContentHash.sha256(JSONSerializer.canonicalBytes(value))
        guard case .object(let object) = value else {
            return .invalid(id: nil, contentHash: hash, type: "?", rejection: invalid(path, "an event must be an object", .wrongType))
        }
        // The id and type are recorded even for a rejected event, so one holding a NUL (which
        // PostgreSQL cannot store) is no id or type at all; `Params` rejects the event for it.
        var id: String? = nil
        if case .string(let s)? = object["id"], !s.isEmpty, s.utf8.count <= 128, !s.utf8.contains(0) { id = s }
        let type = object["type"]?.stringValue.flatMap { $0.utf8.contains(0) ? nil : $0 } ?? "?"
        do {
            let params = try Params(value, path: path)
            guard id != nil else { throw invalid(path + ".id", "id must be a string of 1-128 bytes", .badID) }
            try params.allowOnly(["id", "type", "channel", "occurred_at", "member", "order", "refund"])
            let channelText = try params.string("channel", maxLength: 20)
            guard let channel = Channel(rawValue: channelText) else {
                throw invalid(path + ".channel", "channel must be mobile, web or group_buy", .badChannel)
            }
            let occurredAt = try timestamp(params, "occurred_at")
            let payload: SyncEvent.Payload
            switch type {
            case "member.upsert":
                try params.allowOnly(["id", "type", "channel", "occurred_at", "member"])
                payload = try member(object["member"], path: path + ".member")
            case "order.paid":
                try params.allowOnly(["id", "type", "channel", "occurred_at", "order"])
                payload = .orderPaid(try order(object["order"], path: path + ".order"))
            case "order.refunded":
                try params.allowOnly(["id", "type", "channel", "occurred_at", "refund"])
                payload = .orderRefunded(try refund(object["refund"], path: path + ".refund"))
            default:
                throw invalid(path + ".type", "type must be member.upsert, order.paid or order.refunded", .badType)
            }
            return .valid(SyncEvent(id: id!, channel: channel, occurredAt: occurredAt, contentHash: hash, payload: payload))
        } catch let error as RPCError {
            return .invalid(
                id: id, contentHash: hash, type: type, rejection: EventRejection(.invalid, reason: error.reason, message: error.message, field: error.field))
        } catch let rejection as EventRejection {
            return .invalid(id: id, contentHash: hash, type: type, rejection: rejection)
        } catch {
            preconditionFailure("event parsing threw \(error)")
        }
    }

    static func invalid(_ field: String, _ message: String, _ reason: ErrorReason) -> EventRejection {
        EventRejection(.invalid, reason: reason, message: "\(field): \(message)", field: field)
    }

    static func object(_ value: JSONValue?, path: String) throws -> Params {
        guard case .object? = value else { throw invalid(path, "must be an object", .missingField) }
        return try Params(value, path: path)
    }

    static func timestamp(_ p: Params, _ key: String, required: Bool = true) throws -> String {
        guard let text = try p.optionalString(key, maxLength: 40) else {
            if required { throw invalid(p.field(key), "is required (RFC 3339)", .missingField) }
            return ""
        }
        guard Timestamp.isRFC3339(text) else { throw invalid(p.field(key), "must be an RFC 3339 date-time such as 2026-03-01T10:00:00+08:00", .badTimestamp) }
        return text
    }

    static func money(_ p: Params, _ key: String) throws -> Int64 {
        let text: String
        switch p.object[key] {
        case .string(let s)?: text = s
        case .number(let n)?: text = n
        case nil, .null?: throw invalid(p.field(key), "is required (yuan, at most two decimals)", .missingField)
        default: throw invalid(p.field(key), "must be a decimal string or number in yuan", .wrongType)
        }
        guard let fen = Money.parseFen(text) else {
            throw invalid(p.field(key), "must be a non-negative amount in yuan with at most two decimals", .badAmount)
        }
        return fen
    }

    /// Erasure renames a member's accounts `erased:<account id>` (docs/privacy.md): no push may name one.
    static func refuseErasedName(_ externalID: String, _ field: String) throws {
        guard externalID.hasPrefix("erased:") else { return }
        throw invalid(field, "must not begin with erased: (the names of erased members' accounts)", .badID)
    }

    static func member(_ value: JSONValue?, path: String) throws -> SyncEvent.Payload {
        let p = try object(value, path: path)
        try p.allowOnly([
            "external_id", "name", "nickname", "phone", "email", "birthday", "gender", "region", "address",
            "platform_ids", "registered_at", "referral_code", "attributes", "occupation", "age",
        ])
        var profile = MemberProfile(externalID: try p.string("external_id", maxLength: 128))
        guard !profile.externalID.isEmpty else { throw invalid(p.field("external_id"), "must not be empty", .missingField) }
        try refuseErasedName(profile.externalID, p.field("external_id"))
        profile.name = try p.optionalString("name", maxLength: 100)
        profile.nickname = try p.optionalString("nickname", maxLength: 100)
        if let phone = try p.optionalString("phone", maxLength: 40), !phone.trimmingWhitespace().isEmpty {
            guard PhoneNumber.normalize(phone) != nil else { throw invalid(p.field("phone"), "is not a phone number", .badPhone) }
            profile.phone = phone
        }
        if let email = try p.optionalString("email", maxLength: 254), !email.trimmingWhitespace().isEmpty {
            guard EmailAddress.normalize(email) != nil else { throw invalid(p.field("email"), "is not an e-mail address", .badEmail) }
            profile.email = email
        }
        if let birthday = try p.optionalString("birthday", maxLength: 20), !birthday.trimmingWhitespace().isEmpty {
            guard let normalized = BirthDate.normalize(birthday) else { throw invalid(p.field("birthday"), "is not a date (YYYY-MM-DD)", .badBirthday) }
            profile.birthday = normalized
        }
        profile.gender = try p.optionalString("gender", maxLength: 20)
        profile.region = try p.optionalString("region", maxLength: 100)
        profile.address = try p.optionalString("address", maxLength: 500)
        if p.has("registered_at") { profile.registeredAt = try timestamp(p, "registered_at") }
        profile.referralCode = try p.optionalString("referral_code", maxLength: 32)
        var platformJSON: JSONObject = [:]
        if let ids = p.object["platform_ids"], !ids.isNull {
            guard case .object(let o) = ids, o.count <= 10 else { throw invalid(p.field("platform_ids"), "must be an object of at most 10 ids", .wrongType) }
            for (kind, id) in o {
                guard ShopCode(kind) != nil, case .string(let s) = id, !s.isEmpty, s.utf8.count <= 128 else {
                    throw invalid(p.field("platform_ids") + "." + kind, "must be a non-empty string under a lower-case kind", .badPlatformID)
                }
                profile.platformIDs[kind] = s
                platformJSON[kind] = .string(s)
            }
        }
        var attributes: JSONValue = [:]
        if let a = p.object["attributes"], !a.isNull {
            guard case .object = a else { throw invalid(p.field("attributes"), "must be an object", .wrongType) }
            attributes = a
        }
        for extra in ["occupation", "age"] where p.has(extra) {
            if case .object(var o) = attributes { o[extra] = p.object[extra]; attributes = .object(o) }
        }
        let attributesText = JSONSerializer.serialize(attributes)
        guard attributesText.utf8.count <= maxAttributesBytes else {
            throw invalid(p.field("attributes"), "is larger than \(maxAttributesBytes) bytes", .tooLong)
        }
        return .memberUpsert(
            profile, rawJSON: JSONSerializer.serialize(value!), attributesJSON: attributesText,
            platformIDsJSON: JSONSerializer.serialize(.object(platformJSON)))
    }

    static func order(_ value: JSONValue?, path: String) throws -> PaidOrder {
        let p = try object(value, path: path)
        try p.allowOnly(["order_no", "member_external_id", "amount", "paid_at", "payment_method", "items", "coupons"])
        let orderNo = try p.string("order_no", maxLength: 64)
        let external = try p.string("member_external_id", maxLength: 128)
        guard !orderNo.isEmpty, !external.isEmpty else { throw invalid(path, "order_no and member_external_id must not be empty", .missingField) }
        try refuseErasedName(external, p.field("member_external_id"))
        let amount = try money(p, "amount")
        let paidAt = try timestamp(p, "paid_at")
        let method = try p.optionalString("payment_method", maxLength: 32)
        var items: [JSONValue] = []
        if let list = p.object["items"], !list.isNull {
            guard case .array(let entries) = list, entries.count <= maxItems else {
                throw invalid(p.field("items"), "must be an array of at most \(maxItems) items", .wrongType)
            }
            for (i, entry) in entries.enumerated() {
                let ip = try object(entry, path: p.field("items") + "[\(i)]")
                try ip.allowOnly(["sku", "name", "category", "quantity", "price"])
                var item: JSONObject = [:]
                item["sku"] = .string(try ip.string("sku", maxLength: 64))
                item["name"] = .string(try ip.optionalString("name", maxLength: 200) ?? "")
                if let category = try ip.optionalString("category", maxLength: 64) { item["category"] = .string(category) }
                item["quantity"] = .int(try ip.optionalInt("quantity", in: 1...100_000) ?? 1)
                item["price_fen"] = .int(try money(ip, "price"))
                items.append(.object(item))
            }
        }
        var order = PaidOrder(
            orderNo: orderNo, memberExternalID: external, amountFen: amount, paidAt: paidAt, paymentMethod: method,
            itemsJSON: JSONSerializer.serialize(.array(items)))
        order.coupons = try coupons(p)
        return order
    }

    static let maxCoupons = 10

    /// The coupon codes an order names (`coupons`), normalised as a person would type them.
    static func coupons(_ p: Params) throws -> [String] {
        guard let list = p.object["coupons"], !list.isNull else { return [] }
        guard case .array(let entries) = list, entries.count <= maxCoupons else {
            throw invalid(p.field("coupons"), "must be an array of at most \(maxCoupons) coupon codes", .wrongType)
        }
        var codes: [String] = []
        for (i, entry) in entries.enumerated() {
            guard case .string(let text) = entry, text.utf8.count <= 64, let code = CouponCode.normalized(text) else {
                throw invalid(p.field("coupons") + "[\(i)]", "is not a coupon code", .badCoupon)
            }
            guard !codes.contains(code) else { throw invalid(p.field("coupons") + "[\(i)]", "names coupon \(code) twice", .badCoupon) }
            codes.append(code)
        }
        return codes
    }

    static func refund(_ value: JSONValue?, path: String) throws -> Refund {
        let p = try object(value, path: path)
        try p.allowOnly(["order_no", "refund_no", "amount", "refunded_at"])
        let orderNo = try p.string("order_no", maxLength: 64)
        let refundNo = try p.string("refund_no", maxLength: 64)
        guard !orderNo.isEmpty, !refundNo.isEmpty else { throw invalid(path, "order_no and refund_no must not be empty", .missingField) }
        let amount = try money(p, "amount")
        guard amount > 0 else { throw invalid(p.field("amount"), "must be more than zero", .badAmount) }
        return Refund(orderNo: orderNo, refundNo: refundNo, amountFen: amount, refundedAt: try timestamp(p, "refunded_at"))
    }
}

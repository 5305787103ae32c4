/// One event pushed by a shop's agent, validated and typed. The server parses the wire JSON into
/// this; storage applies it.
public struct SyncEvent: Sendable {
    /// Unique within the shop; the idempotency key.
    public var id: String
    public var channel: Channel
    /// RFC 3339 as sent (with its offset).
    public var occurredAt: String
    /// SHA-256 of the event's canonical JSON: the same id with other content is a conflict.
    public var contentHash: [UInt8]
    public var payload: Payload

    public enum Payload: Sendable {
        /// `member.upsert`: the profile, and the member object and its attributes as JSON text.
        case memberUpsert(MemberProfile, rawJSON: String, attributesJSON: String, platformIDsJSON: String)
        case orderPaid(PaidOrder)
        case orderRefunded(Refund)
    }

    public init(id: String, channel: Channel, occurredAt: String, contentHash: [UInt8], payload: Payload) {
        self.id = id
        self.channel = channel
        self.occurredAt = occurredAt
        self.contentHash = contentHash
        self.payload = payload
    }

    public var typeName: String {
        switch payload {
        case .memberUpsert: return "member.upsert"
        case .orderPaid: return "order.paid"
        case .orderRefunded: return "order.refunded"
        }
    }
}

/// A paid order from `order.paid`.
public struct PaidOrder: Sendable, Equatable {
    public var orderNo: String
    public var memberExternalID: String
    public var amountFen: Int64
    public var paidAt: String
    public var paymentMethod: String?
    /// The items as JSON text (`[{"sku", "name", "category", "quantity", "price"}]`), validated.
    public var itemsJSON: String
    /// Coupon codes (normalised, distinct, at most 10) redeemed with the order, in its transaction.
    public var coupons: [String] = []

    public init(orderNo: String, memberExternalID: String, amountFen: Int64, paidAt: String, paymentMethod: String?, itemsJSON: String) {
        precondition(amountFen >= 0, "an order amount is never negative")
        self.orderNo = orderNo
        self.memberExternalID = memberExternalID
        self.amountFen = amountFen
        self.paidAt = paidAt
        self.paymentMethod = paymentMethod
        self.itemsJSON = itemsJSON
    }
}

/// A refund from `order.refunded`.
public struct Refund: Sendable, Equatable {
    public var orderNo: String
    public var refundNo: String
    public var amountFen: Int64
    public var refundedAt: String

    public init(orderNo: String, refundNo: String, amountFen: Int64, refundedAt: String) {
        precondition(amountFen > 0, "a refund is positive")
        self.orderNo = orderNo
        self.refundNo = refundNo
        self.amountFen = amountFen
        self.refundedAt = refundedAt
    }
}

/// RFC 3339 date-times as the protocol requires (`2026-03-01T10:00:00+08:00`, `…Z`, fractions allowed).
public enum Timestamp {
    public static func isRFC3339(_ text: String) -> Bool {
        let c = Array(text.utf8)
        guard c.count >= 20, c.count <= 35 else { return false }
        func digits(_ range: Range<Int>) -> Int? {
            var v = 0
            for i in range {
                guard c[i] >= 0x30, c[i] <= 0x39 else { return nil }
                v = v * 10 + Int(c[i] - 0x30)
            }
            return v
        }
        guard let year = digits(0..<4), c[4] == 0x2D, let month = digits(5..<7), c[7] == 0x2D, let day = digits(8..<10),
            c[10] == UInt8(ascii: "T") || c[10] == UInt8(ascii: "t") || c[10] == 0x20,
            let hour = digits(11..<13), c[13] == 0x3A, let minute = digits(14..<16), c[16] == 0x3A, let second = digits(17..<19)
        else { return false }
        guard (1900...2200).contains(year), (1...12).contains(month), day >= 1, day <= BirthDate.daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 61
        else { return false }
        var i = 19
        if i < c.count, c[i] == 0x2E {
            i += 1
            let start = i
            while i < c.count, c[i] >= 0x30, c[i] <= 0x39 { i += 1 }
            guard i > start, i - start <= 9 else { return false }
        }
        guard i < c.count else { return false }
        if c[i] == UInt8(ascii: "Z") || c[i] == UInt8(ascii: "z") { return i + 1 == c.count }
        guard c[i] == 0x2B || c[i] == 0x2D, i + 6 == c.count, let oh = digits(i + 1..<i + 3), c[i + 3] == 0x3A, let om = digits(i + 4..<i + 6) else {
            return false
        }
        return oh < 24 && om < 60
    }
}

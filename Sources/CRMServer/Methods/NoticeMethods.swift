import CRMDomain
import CRMProtocol
import CRMStorage

/// Member notices and marketing consent: `notice.pull|ack|scan` and `consent.set|get`. A reader of
/// notices is the calling token's name: a gateway's tokens under one name share its position.
enum NoticeMethods {
    typealias Notice = RPC.Notice
    typealias Consent = RPC.Consent

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        outboxSpecs(context) + consentSpecs(context)
    }

    /// The reader, as the session's token names it (pulling and acknowledging need a session).
    static func reader(_ call: CallContext) -> String {
        guard let session = call.session else { preconditionFailure("notice methods need a session") }
        return session.identity.name
    }

    static func render(_ n: NoticeReader.Pulled) throws -> Notice.Item {
        Notice.Item(
            id: n.seq, memberID: MemberID(n.member), kind: n.kind, at: n.at, marketing: n.marketing, channels: n.channels,
            body: try JSONParser.parse(n.body).objectValue ?? JSONObject())
    }

    /// Pulling, acknowledging and the daily scan.
    static func outboxSpecs(_ context: ServerContext) -> [MethodSpec] {
        let notices = NoticeReader(pool: context.pool)
        return [
            MethodSpec(Notice.Pull.self, access: .write, scope: .merchantWide) { p, call in
                let name = reader(call)
                let pulled = try await notices.pull(reader: name, after: p.after, limit: p.limit ?? 100)
                return Notice.Pull.Result(reader: name, acknowledged: pulled.acknowledged, notices: try pulled.notices.map(render))
            },
            MethodSpec(Notice.Ack.self, access: .write, scope: .merchantWide) { p, call in
                let name = reader(call)
                let through = try await notices.ack(reader: name, through: p.through)
                return Notice.Ack.Result(reader: name, through: through)
            },
            MethodSpec(Notice.Scan.self, access: .write, scope: .merchantWide) { p, call in
                try await scan(p, call, context)
            },
        ]
    }

    static func scan(_ p: Notice.Scan.Params, _ call: CallContext, _ context: ServerContext) async throws -> Notice.Scan.Result {
        let offset = try await context.loyaltyPolicy().points.offsetMinutes
        var asOf = p.asOf
        if asOf == nil { asOf = try await context.points.today(offsetMinutes: offset) }
        guard let asOf else { preconditionFailure("as_of was just set") }
        var cursor = NoticeScan.Cursor.start
        if let text = p.cursor {
            guard let parsed = NoticeScan.Cursor(text: text) else {
                throw RPCError.invalidParams("cursor is not one notice.scan gave", field: "cursor", reason: .badCursor)
            }
            cursor = parsed
        }
        let window = NoticeScan.Window(asOf: asOf, pointsDays: p.withinDays ?? 30, couponDays: p.couponWithinDays ?? 3, offsetMinutes: offset)
        let batch = try await NoticeScan(pool: context.pool).scan(window, cursor: cursor, limit: p.limit ?? 1_000)
        if batch.pointsExpiring + batch.couponExpiring > 0 {
            context.logger.info(
                "expiry notices written",
                metadata: [
                    "request": "\(call.requestID)", "as_of": "\(asOf)", "points_expiring": "\(batch.pointsExpiring)",
                    "coupon_expiring": "\(batch.couponExpiring)",
                ])
        }
        return Notice.Scan.Result(
            asOf: asOf, pointsExpiring: batch.pointsExpiring, couponExpiring: batch.couponExpiring, scanned: batch.scanned, done: batch.next == nil,
            nextCursor: batch.next?.text)
    }

    static func render(_ a: ConsentStore.Answer) -> Consent.Answer {
        Consent.Answer(channel: a.channel, granted: a.granted, source: a.source, at: a.at, actor: a.actor)
    }

    /// Marketing consent.
    static func consentSpecs(_ context: ServerContext) -> [MethodSpec] {
        let consent = ConsentStore(pool: context.pool)
        return [
            MethodSpec(Consent.Set.self, access: .write, scope: .memberID) { p, call in
                guard let channel = ConsentChannel(rawValue: p.channel) else { preconditionFailure("channel checked by its field rule") }
                let r = try await consent.set(member: p.memberID.value, channel: channel, granted: p.granted, source: p.source, actor: call.actor)
                if r.changed {
                    context.logger.info(
                        "marketing consent set",
                        metadata: ["request": "\(call.requestID)", "member": "\(r.member)", "channel": "\(p.channel)", "granted": "\(p.granted)"])
                }
                return Consent.Set.Result(memberID: MemberID(r.member), answer: render(r.answer), changed: r.changed)
            },
            MethodSpec(Consent.Get.self, access: .read, scope: .memberID) { p, call in
                let r = try await consent.get(member: p.memberID.value, history: p.history ?? false)
                return Consent.Get.Result(
                    memberID: MemberID(r.member), channels: r.answers.map(render), marketing: r.answers.filter(\.granted).map(\.channel),
                    history: r.history?.map {
                        Consent.Event(
                            channel: $0.channel, kind: $0.kind, granted: $0.granted, source: $0.source, at: $0.at, actor: $0.actor, mergeID: $0.mergeID)
                    })
            },
        ]
    }
}

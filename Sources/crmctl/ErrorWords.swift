import CRMCommandLine

/// crmctl's words for the server's errors: the one table from wire fields to the flags and
/// arguments crmctl takes, and from error reasons to the crmctl command that helps.
extension ErrorWording {
    static let crmctl = ErrorWording(
        fields: [
            "member_id": "<member-id>", "other_member_id": "<other-member-id>", "merge_id": "--merge", "external_id": "--external-id",
            "phone": "--phone", "email": "--email", "shop": "--shop", "channel": "--channel", "tag": "<tag>", "reason": "--reason",
            "idempotency_key": "--key", "as_of": "--as-of", "within_days": "--within", "recency_days": "--recency", "frequency_min": "--frequency",
            "monetary": "--monetary", "window_days": "--window", "new_days": "--new", "active_days": "--active", "silent_days": "--silent",
            "sleeping_days": "--sleeping", "share_percent": "--share", "min_purchases": "--purchases", "max_purchases": "--purchases",
            "min_spend": "--min-spend", "valid_days": "--valid-days", "valid_from": "--valid-from", "valid_until": "--valid-until",
            "per_member_limit": "--per-member", "budget": "--budget", "cap": "--cap", "segment": "--segment", "amount": "--amount",
            "tiers": "--tier", "month": "--month",
        ],
        hints: [
            "tag_not_found": "define it with `crmctl tag define NAME`",
            "ambiguous": "list them with `crmctl member find QUERY`, then give a member id",
            "no_session": "pass --token or set CRM_TOKEN",
            "segment_not_found": "`crmctl segment list` shows the saved segments",
            "shop_not_found": "`crmctl shop list` shows the shops; `crmctl shop create` adds one",
            "unknown_level": "`crmctl level rules get` shows the ladder's codes",
            "review_not_found": "`crmctl review list` shows the review queue",
            "merge_not_found": "`crmctl member history MEMBER-ID` shows a member's merges",
            "template_not_found": "`crmctl coupon template list --include-disabled` shows the coupon templates",
            "insufficient_points": "`crmctl points get MEMBER-ID` shows the balance",
            "member_erased": "`crmctl member history MEMBER-ID` shows the erasure; an erased member keeps only its books",
        ])
}

/// crmctl's commands run through this: it shadows CRMCommandLine's `runClientCommand` inside
/// crmctl, so every command tells server errors in crmctl's words without repeating the table.
func runClientCommand(_ program: String, _ body: () async throws -> Void) async throws {
    try await CRMCommandLine.runClientCommand(program, wording: .crmctl, body)
}

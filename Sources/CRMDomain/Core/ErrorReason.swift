/// The stable word in an error's `data.reason`: what went wrong, for programs to branch on.
///
/// An open set, as the wire needs: a newer crmd may send a word this build does not know, and it
/// is kept as sent. Every word crmd sends is a constant here (`known` lists them, and the OpenRPC
/// document publishes them); a literal is accepted for brevity in tests and must be one of them.
public struct ErrorReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// A word received from a server, known or not.
    public init(wire: String) { self.rawValue = wire }

    /// A word not in the catalogue traps in debug builds (the tests), so it is caught before it
    /// ships; a release build carries it as written rather than stop a server over a word.
    public init(stringLiteral value: String) {
        assert(Self.knownWords.contains(value), "\(value) is not an error reason of the contract: add it to ErrorReason")
        self.rawValue = value
    }

    public var description: String { rawValue }

    // MARK: Requests that are not JSON-RPC (-32700, -32600, -32601)
    public static let parseError = ErrorReason(rawValue: "parse_error")
    public static let invalidRequest = ErrorReason(rawValue: "invalid_request")
    public static let emptyBatch = ErrorReason(rawValue: "empty_batch")
    public static let batchTooLarge = ErrorReason(rawValue: "batch_too_large")
    public static let lineTooLong = ErrorReason(rawValue: "line_too_long")
    public static let messageTimeout = ErrorReason(rawValue: "message_timeout")
    public static let methodNotFound = ErrorReason(rawValue: "method_not_found")

    // MARK: Invalid params (-32602)
    public static let invalidParams = ErrorReason(rawValue: "invalid_params")
    public static let unknownField = ErrorReason(rawValue: "unknown_field")
    public static let unexpectedField = ErrorReason(rawValue: "unexpected_field")
    public static let missingField = ErrorReason(rawValue: "missing_field")
    public static let wrongType = ErrorReason(rawValue: "wrong_type")
    public static let outOfRange = ErrorReason(rawValue: "out_of_range")
    public static let tooLong = ErrorReason(rawValue: "too_long")
    public static let nulCharacter = ErrorReason(rawValue: "nul_character")
    public static let badCursor = ErrorReason(rawValue: "bad_cursor")
    public static let badDate = ErrorReason(rawValue: "bad_date")
    public static let badKind = ErrorReason(rawValue: "bad_kind")
    public static let badShopCode = ErrorReason(rawValue: "bad_shop_code")
    public static let badName = ErrorReason(rawValue: "bad_name")
    public static let badRole = ErrorReason(rawValue: "bad_role")
    public static let badMemberID = ErrorReason(rawValue: "bad_member_id")
    public static let badSetting = ErrorReason(rawValue: "bad_setting")
    public static let badDecision = ErrorReason(rawValue: "bad_decision")
    public static let badFilter = ErrorReason(rawValue: "bad_filter")
    public static let filterTooDeep = ErrorReason(rawValue: "filter_too_deep")
    public static let filterTooLarge = ErrorReason(rawValue: "filter_too_large")
    public static let badRule = ErrorReason(rawValue: "bad_rule")
    public static let badCode = ErrorReason(rawValue: "bad_code")
    public static let badSource = ErrorReason(rawValue: "bad_source")
    public static let badStatus = ErrorReason(rawValue: "bad_status")
    public static let badType = ErrorReason(rawValue: "bad_type")
    public static let badID = ErrorReason(rawValue: "bad_id")
    public static let oneLookup = ErrorReason(rawValue: "one_lookup")
    public static let asOfInFuture = ErrorReason(rawValue: "as_of_in_future")
    public static let asOfMismatch = ErrorReason(rawValue: "as_of_mismatch")
    public static let unknownLevel = ErrorReason(rawValue: "unknown_level")
    public static let badCoupon = ErrorReason(rawValue: "bad_coupon")
    public static let badCampaign = ErrorReason(rawValue: "bad_campaign")
    public static let badCart = ErrorReason(rawValue: "bad_cart")
    public static let badConsent = ErrorReason(rawValue: "bad_consent")

    // MARK: Invalid event content in sync.push (-32602)
    public static let badChannel = ErrorReason(rawValue: "bad_channel")
    public static let badTimestamp = ErrorReason(rawValue: "bad_timestamp")
    public static let badPhone = ErrorReason(rawValue: "bad_phone")
    public static let badEmail = ErrorReason(rawValue: "bad_email")
    public static let badBirthday = ErrorReason(rawValue: "bad_birthday")
    public static let badAmount = ErrorReason(rawValue: "bad_amount")
    public static let badPlatformID = ErrorReason(rawValue: "bad_platform_id")

    // MARK: Internal errors (-32603)
    public static let `internal` = ErrorReason(rawValue: "internal")
    public static let statementTimeout = ErrorReason(rawValue: "statement_timeout")
    public static let serializationFailure = ErrorReason(rawValue: "serialization_failure")

    // MARK: Sessions (-32001, -32003)
    public static let unauthenticated = ErrorReason(rawValue: "unauthenticated")
    public static let noSession = ErrorReason(rawValue: "no_session")
    public static let invalidToken = ErrorReason(rawValue: "invalid_token")
    public static let tokenRevoked = ErrorReason(rawValue: "token_revoked")
    public static let forbidden = ErrorReason(rawValue: "forbidden")
    public static let roleForbidden = ErrorReason(rawValue: "role_forbidden")
    public static let wrongShop = ErrorReason(rawValue: "wrong_shop")
    public static let maskedFilter = ErrorReason(rawValue: "masked_filter")
    /// A token limited to shops reached beyond them: a member without an account there, another
    /// shop, or a method over the whole base.
    public static let outsideShops = ErrorReason(rawValue: "outside_shops")

    // MARK: Not found (-32004)
    public static let notFound = ErrorReason(rawValue: "not_found")
    public static let shopNotFound = ErrorReason(rawValue: "shop_not_found")
    public static let tokenNotFound = ErrorReason(rawValue: "token_not_found")
    public static let memberNotFound = ErrorReason(rawValue: "member_not_found")
    public static let mergeNotFound = ErrorReason(rawValue: "merge_not_found")
    public static let reviewNotFound = ErrorReason(rawValue: "review_not_found")
    public static let settingNotFound = ErrorReason(rawValue: "setting_not_found")
    public static let tagNotFound = ErrorReason(rawValue: "tag_not_found")
    public static let ruleNotFound = ErrorReason(rawValue: "rule_not_found")
    public static let segmentNotFound = ErrorReason(rawValue: "segment_not_found")
    public static let exportNotFound = ErrorReason(rawValue: "export_not_found")
    public static let orderNotFound = ErrorReason(rawValue: "order_not_found")
    public static let unknownCode = ErrorReason(rawValue: "unknown_code")
    public static let couponNotFound = ErrorReason(rawValue: "coupon_not_found")
    public static let templateNotFound = ErrorReason(rawValue: "template_not_found")
    public static let campaignNotFound = ErrorReason(rawValue: "campaign_not_found")

    // MARK: Conflicts (-32009)
    public static let conflict = ErrorReason(rawValue: "conflict")
    public static let shopExists = ErrorReason(rawValue: "shop_exists")
    public static let campaignExists = ErrorReason(rawValue: "campaign_exists")
    public static let ambiguous = ErrorReason(rawValue: "ambiguous")
    public static let alreadyMerged = ErrorReason(rawValue: "already_merged")
    public static let alreadyUnmerged = ErrorReason(rawValue: "already_unmerged")
    public static let alreadyDecided = ErrorReason(rawValue: "already_decided")
    public static let eventIDReused = ErrorReason(rawValue: "event_id_reused")
    public static let orderExists = ErrorReason(rawValue: "order_exists")
    public static let refundExists = ErrorReason(rawValue: "refund_exists")
    public static let idempotencyKeyReused = ErrorReason(rawValue: "idempotency_key_reused")
    public static let jobRunning = ErrorReason(rawValue: "job_running")
    public static let runNotRunning = ErrorReason(rawValue: "run_not_running")
    /// An erased member cannot be merged or unmerged (erasure is irreversible).
    public static let memberErased = ErrorReason(rawValue: "member_erased")
    /// A ledger month archived already (`ledger.archive`).
    public static let alreadyArchived = ErrorReason(rawValue: "already_archived")

    // MARK: Refused by a business rule (-32010)
    public static let refundExceedsOrder = ErrorReason(rawValue: "refund_exceeds_order")
    public static let insufficientPoints = ErrorReason(rawValue: "insufficient_points")
    public static let pointsOutOfRange = ErrorReason(rawValue: "points_out_of_range")
    public static let balanceLimit = ErrorReason(rawValue: "balance_limit")
    public static let selfReferral = ErrorReason(rawValue: "self_referral")
    public static let alreadyBound = ErrorReason(rawValue: "already_bound")
    public static let referralCycle = ErrorReason(rawValue: "referral_cycle")
    public static let couponUsed = ErrorReason(rawValue: "coupon_used")
    public static let couponExpired = ErrorReason(rawValue: "coupon_expired")
    public static let couponVoided = ErrorReason(rawValue: "coupon_voided")
    public static let couponNotYetValid = ErrorReason(rawValue: "coupon_not_yet_valid")
    public static let belowMinSpend = ErrorReason(rawValue: "below_min_spend")
    public static let outOfScope = ErrorReason(rawValue: "out_of_scope")
    public static let couponOtherMember = ErrorReason(rawValue: "coupon_other_member")
    public static let couponNotStackable = ErrorReason(rawValue: "coupon_not_stackable")
    public static let templateDisabled = ErrorReason(rawValue: "template_disabled")
    public static let templateExpired = ErrorReason(rawValue: "template_expired")
    public static let budgetExhausted = ErrorReason(rawValue: "budget_exhausted")
    public static let perMemberLimit = ErrorReason(rawValue: "per_member_limit")
    public static let notForPoints = ErrorReason(rawValue: "not_for_points")
    /// A ledger month `ledger.archive` refuses: not over, its orders still live, its partitions not as made.
    public static let monthNotArchivable = ErrorReason(rawValue: "month_not_archivable")

    // MARK: Overloaded and unavailable (-32029, -32050)
    public static let overloaded = ErrorReason(rawValue: "overloaded")
    public static let tooManyConnections = ErrorReason(rawValue: "too_many_connections")
    public static let tooManyFromAddress = ErrorReason(rawValue: "too_many_from_address")
    public static let tooManyUnauthenticated = ErrorReason(rawValue: "too_many_unauthenticated")
    public static let tooManyFailedLogins = ErrorReason(rawValue: "too_many_failed_logins")
    public static let tooManyLookups = ErrorReason(rawValue: "too_many_lookups")
    public static let poolExhausted = ErrorReason(rawValue: "pool_exhausted")
    public static let memoryBudget = ErrorReason(rawValue: "memory_budget")
    public static let helloTimeout = ErrorReason(rawValue: "hello_timeout")
    public static let databaseUnavailable = ErrorReason(rawValue: "database_unavailable")
    public static let shuttingDown = ErrorReason(rawValue: "shutting_down")

    /// Every reason crmd sends, in the order above.
    public static let known: [ErrorReason] = [
        .parseError, .invalidRequest, .emptyBatch, .batchTooLarge, .lineTooLong, .messageTimeout, .methodNotFound,
        .invalidParams, .unknownField, .unexpectedField, .missingField, .wrongType, .outOfRange, .tooLong, .nulCharacter, .badCursor, .badDate, .badKind,
        .badShopCode, .badName, .badRole, .badMemberID, .badSetting, .badDecision, .badFilter, .filterTooDeep, .filterTooLarge, .badRule, .badCode, .badSource,
        .badStatus, .badType, .badID, .oneLookup, .asOfInFuture, .asOfMismatch, .unknownLevel, .badCoupon, .badCart, .badConsent,
        .badChannel, .badTimestamp, .badPhone, .badEmail, .badBirthday, .badAmount, .badPlatformID,
        .internal, .statementTimeout, .serializationFailure,
        .unauthenticated, .noSession, .invalidToken, .tokenRevoked, .forbidden, .roleForbidden, .wrongShop, .maskedFilter, .outsideShops,
        .notFound, .shopNotFound, .tokenNotFound, .memberNotFound, .mergeNotFound, .reviewNotFound, .settingNotFound, .tagNotFound, .ruleNotFound,
        .segmentNotFound, .exportNotFound, .orderNotFound, .unknownCode, .couponNotFound, .templateNotFound,
        .conflict, .shopExists, .ambiguous, .alreadyMerged, .alreadyUnmerged, .alreadyDecided, .eventIDReused, .orderExists, .refundExists,
        .idempotencyKeyReused, .jobRunning, .runNotRunning,
        .refundExceedsOrder, .insufficientPoints, .pointsOutOfRange, .balanceLimit, .selfReferral, .alreadyBound, .referralCycle,
        .couponUsed, .couponExpired, .couponVoided, .couponNotYetValid, .belowMinSpend, .outOfScope, .couponOtherMember, .couponNotStackable,
        .templateDisabled, .templateExpired, .budgetExhausted, .perMemberLimit, .notForPoints,
        .overloaded, .tooManyConnections, .tooManyFromAddress, .tooManyUnauthenticated, .tooManyFailedLogins, .tooManyLookups, .poolExhausted, .memoryBudget,
        .helloTimeout, .databaseUnavailable, .shuttingDown,
        .badCampaign, .campaignNotFound, .campaignExists,
        .memberErased,
        .alreadyArchived, .monthNotArchivable,
    ]

    private static let knownWords = Set(known.map(\.rawValue))
}

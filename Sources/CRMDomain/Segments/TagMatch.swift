/// How a list of tags is matched.
public enum TagMatch: String, Sendable, CaseIterable {
    case any, all, none
}

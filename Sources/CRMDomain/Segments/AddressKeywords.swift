/// Address-keyword groups from the playbook: where an address says a member works or studies.
/// A same-city group is simply the city's name as a keyword.
public enum AddressKeywords {
    public static let groups: [String: [String]] = [
        "white_collar": ["公司", "大廈", "廣場", "中心", "大樓", "醫院"],
        "finance": ["銀行", "證券", "信用社"],
        "students": ["大學", "學校", "學院", "中學", "高中"],
    ]

    /// The keywords of a group, or nil when there is no such group.
    public static func keywords(of group: String) -> [String]? { groups[group] }
}

/// `UserID user[:group]`: the account to switch to after start-up.
public struct UserAndGroup: Hashable, Sendable, CustomStringConvertible {
    public let user: String
    /// The group, when given; otherwise the user's own groups apply.
    public let group: String?

    public init(user: String, group: String?) {
        self.user = user
        self.group = group
    }

    /// Parses `user` or `user:group`; nil when either part is empty or there is more than one colon.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty,
              !text.contains(where: ConfigText.isSpace)
        else { return nil }
        self.init(user: String(parts[0]), group: parts.count == 2 ? String(parts[1]) : nil)
    }

    public var description: String { group.map { "\(user):\($0)" } ?? user }
}

/// A `refile:` pattern: literal text in which `*` matches any run of characters, compared against the whole
/// query (case-insensitively unless asked otherwise).
///
/// OpenDKIM turns each pattern into an anchored POSIX regular expression (`*` becomes `.*`, `.` and `+` are
/// escaped; util.c `dkimf_mkregexp`) and compiles it with `REG_ICASE` where the data set asks for
/// case-insensitive matching. Other regular-expression characters then keep their special meaning there by
/// accident; here every character but `*` is literal.
public struct GlobPattern: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let bytes: [UInt8]
    private let caseSensitive: Bool

    public init(_ pattern: String, caseSensitive: Bool = false) {
        self.pattern = pattern
        self.caseSensitive = caseSensitive
        self.bytes = caseSensitive ? Array(pattern.utf8) : Array(pattern.utf8).map(GlobPattern.fold)
    }

    /// True when the pattern contains at least one `*`.
    public var hasWildcard: Bool { bytes.contains(UInt8(ascii: "*")) }

    /// Whether the whole of `text` matches.
    public func matches(_ text: String) -> Bool {
        let subject = caseSensitive ? Array(text.utf8) : Array(text.utf8).map(GlobPattern.fold)
        var p = 0, s = 0
        var star = -1, resume = 0
        while s < subject.count {
            if p < bytes.count && bytes[p] == UInt8(ascii: "*") {
                star = p
                p += 1
                resume = s
            } else if p < bytes.count && bytes[p] == subject[s] {
                p += 1
                s += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                s = resume
            } else {
                return false
            }
        }
        while p < bytes.count && bytes[p] == UInt8(ascii: "*") { p += 1 }
        return p == bytes.count
    }

    public var description: String { pattern }

    @inline(__always)
    private static func fold(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}

/// A verification outcome in RFC 8601 §2.7.1 words. A value, not a thrown error: every signature gets one.
public enum DKIMResult: Sendable, Hashable, CustomStringConvertible {
    case none
    case pass
    case fail(String)
    case neutral(String)
    case policy(String)
    case tempError(String)
    case permError(String)

    /// The RFC 8601 result keyword.
    public var keyword: String {
        switch self {
        case .none: return "none"
        case .pass: return "pass"
        case .fail: return "fail"
        case .neutral: return "neutral"
        case .policy: return "policy"
        case .tempError: return "temperror"
        case .permError: return "permerror"
        }
    }

    public var reason: String? {
        switch self {
        case .none, .pass: return nil
        case .fail(let r), .neutral(let r), .policy(let r), .tempError(let r), .permError(let r): return r
        }
    }

    public var isPass: Bool { self == .pass }

    public var description: String {
        reason.map { "\(keyword) (\($0))" } ?? keyword
    }
}

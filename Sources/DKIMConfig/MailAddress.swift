public import DKIM

/// An address as the signing decision needs it: the local part and the domain.
///
/// ``addresses(inHeaderValue:)`` reads a From header field value the way RFC 5322 writes it: display names
/// (quoted or not), angle brackets, comments (nested, with escapes), quoted local parts, several addresses
/// separated by commas, and groups (`team: a@x, b@y;`). Addresses without a domain, or with a domain
/// literal such as `[192.0.2.1]`, are left out, since no key can be chosen for them.
///
/// - SeeAlso: [RFC 5322 §3.4](https://www.rfc-editor.org/rfc/rfc5322#section-3.4)
public struct MailAddress: Hashable, Sendable, CustomStringConvertible {
    /// The local part with any quoting removed (`"john doe"` becomes `john doe`).
    public let localPart: String
    /// The domain, lowercased, without a trailing dot.
    public let domain: String

    public init(localPart: String, domain: String) {
        self.localPart = localPart
        self.domain = domain
    }

    /// Parses a bare address (`alice@example.com`, `<alice@example.com>`, `"a b"@example.com`); nil when
    /// there is no `@` or either side is empty.
    public init?(_ text: String) {
        guard let first = MailAddress.addresses(inHeaderValue: text).first else { return nil }
        self = first
    }

    /// The domain as a ``DomainName``, when it is one.
    public var domainName: DomainName? { DomainName(domain) }

    /// `local@domain` (the local part unquoted).
    public var description: String { "\(localPart)@\(domain)" }

    /// Every address in a From (or Sender, To, ...) header field value, in order.
    public static func addresses(inHeaderValue value: String) -> [MailAddress] {
        units(of: value).compactMap(parseUnit)
    }

    /// The first address's domain, or nil when there is none.
    public static func domain(inHeaderValue value: String) -> DomainName? {
        addresses(inHeaderValue: value).first?.domainName
    }

    // Splits at top-level commas and group punctuation, keeping quoted strings, comments and angle
    // brackets intact; a group's display name (up to its colon) is dropped.
    private static func units(of value: String) -> [[Character]] {
        var units: [[Character]] = []
        var current: [Character] = []
        var inQuote = false, escaped = false, commentDepth = 0, inAngle = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if character == "\\" && (inQuote || commentDepth > 0) {
                current.append(character)
                escaped = true
                continue
            }
            if inQuote {
                current.append(character)
                if character == "\"" { inQuote = false }
                continue
            }
            if commentDepth > 0 {
                current.append(character)
                if character == "(" { commentDepth += 1 }
                if character == ")" { commentDepth -= 1 }
                continue
            }
            switch character {
            case "\"": inQuote = true; current.append(character)
            case "(": commentDepth = 1; current.append(character)
            case "<": inAngle = true; current.append(character)
            case ">": inAngle = false; current.append(character)
            case ":" where !inAngle: current = []
            case "," where !inAngle, ";" where !inAngle:
                units.append(current)
                current = []
            default: current.append(character)
            }
        }
        units.append(current)
        return units
    }

    private static func parseUnit(_ unit: [Character]) -> MailAddress? {
        // Prefer the last top-level angle-addr; otherwise the whole unit is an addr-spec.
        var spec = unit
        var inQuote = false, escaped = false, commentDepth = 0
        var angleStart: Int?
        for (index, character) in unit.enumerated() {
            if escaped { escaped = false; continue }
            if character == "\\" && (inQuote || commentDepth > 0) { escaped = true; continue }
            if inQuote { if character == "\"" { inQuote = false }; continue }
            if commentDepth > 0 {
                if character == "(" { commentDepth += 1 }
                if character == ")" { commentDepth -= 1 }
                continue
            }
            switch character {
            case "\"": inQuote = true
            case "(": commentDepth = 1
            case "<": angleStart = index + 1
            case ">":
                if let start = angleStart, start <= index { spec = Array(unit[start..<index]) }
                angleStart = nil
            default: break
            }
        }
        // Drop an obsolete source route: <@relay.example:alice@example.com>.
        if spec.first == "@", let colon = spec.firstIndex(of: ":") { spec = Array(spec[(colon + 1)...]) }
        return parseAddrSpec(spec)
    }

    private static func parseAddrSpec(_ spec: [Character]) -> MailAddress? {
        // Remove comments and whitespace outside quotes; unquote quoted strings; find the last bare "@".
        var local = "", domain = ""
        var sawAt = false
        var inQuote = false, escaped = false, commentDepth = 0, commentEscaped = false
        func append(_ character: Character) {
            if sawAt { domain.append(character) } else { local.append(character) }
        }
        for character in spec {
            if commentDepth > 0 {
                if commentEscaped { commentEscaped = false; continue }
                if character == "\\" { commentEscaped = true; continue }
                if character == "(" { commentDepth += 1 }
                if character == ")" { commentDepth -= 1 }
                continue
            }
            if escaped {
                escaped = false
                append(character)
                continue
            }
            if inQuote {
                if character == "\\" { escaped = true; continue }
                if character == "\"" { inQuote = false; continue }
                append(character)
                continue
            }
            switch character {
            case "\"": inQuote = true
            case "(": commentDepth = 1
            case " ", "\t", "\r", "\n": continue
            case "@":
                if sawAt {
                    // Another "@": what came before was part of the local part after all.
                    local += "@" + domain
                    domain = ""
                }
                sawAt = true
            default:
                append(character)
            }
        }
        guard sawAt, !local.isEmpty, !domain.isEmpty, !domain.hasPrefix("[") else { return nil }
        var lowered = domain.lowercased()
        if lowered.hasSuffix(".") { lowered.removeLast() }
        guard !lowered.isEmpty else { return nil }
        return MailAddress(localPart: local, domain: lowered)
    }
}

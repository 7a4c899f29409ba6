/// What the daemon does with mail: sign ours, verify theirs, or both (`Mode` in opendkim.conf).
///
/// OpenDKIM reads the value character by character: each `s` adds signing, each `v` verifying, anything else
/// is an error; the default is `sv` (opendkim.c `dkimf_config_load`).
public struct OperatingMode: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let sign = OperatingMode(rawValue: 1)
    public static let verify = OperatingMode(rawValue: 2)
    public static let signAndVerify: OperatingMode = [.sign, .verify]

    /// Parses `s`, `v`, `sv`, `vs` (any order, repeats allowed); nil for anything else or an empty string.
    public init?(_ text: String) {
        var mode: OperatingMode = []
        for character in text {
            switch character {
            case "s": mode.insert(.sign)
            case "v": mode.insert(.verify)
            default: return nil
            }
        }
        guard !mode.isEmpty else { return nil }
        self = mode
    }

    /// `s`, `v` or `sv`.
    public var description: String { (contains(.sign) ? "s" : "") + (contains(.verify) ? "v" : "") }
}

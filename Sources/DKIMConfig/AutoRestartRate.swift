/// `AutoRestartRate n/t[u]`: give up restarting after more than `count` restarts within `interval` seconds.
///
/// The unit is `s` (default), `m`, `h` or `d`, either case (opendkim.conf(5), AutoRestartRate).
public struct AutoRestartRate: Hashable, Sendable, CustomStringConvertible {
    public let count: Int
    public let intervalSeconds: Int

    public init(count: Int, intervalSeconds: Int) {
        self.count = count
        self.intervalSeconds = intervalSeconds
    }

    /// Parses `10/1h`, `5/30`, `3/2D`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = AutoRestartRate.number(parts[0]), count > 0 else { return nil }
        var interval = parts[1]
        var multiplier = 1
        if let unit = interval.last, !unit.isNumber {
            switch unit.lowercased() {
            case "s": multiplier = 1
            case "m": multiplier = 60
            case "h": multiplier = 3600
            case "d": multiplier = 86400
            default: return nil
            }
            interval = interval.dropLast()
        }
        guard let amount = AutoRestartRate.number(interval), amount > 0 else { return nil }
        let (seconds, overflow) = amount.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        self.init(count: count, intervalSeconds: seconds)
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 12, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    public var description: String { "\(count)/\(intervalSeconds)s" }
}

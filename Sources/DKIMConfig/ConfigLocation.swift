/// Where a setting or a table line came from: a file and a 1-based line number.
///
/// Every error, warning and policy reason carries one, so that an administrator reading a log line or the
/// output of `dkimctl explain` can open the file at the line that decided.
public struct ConfigLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the whole file is meant (for example, it cannot be opened).
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// The location reported for values nobody wrote down (OpenDKIM's built-in defaults).
    public static let builtIn = ConfigLocation(file: "(built-in default)", line: 0)

    /// `file:line`, or just `file` for line 0.
    public var description: String { line > 0 ? "\(file):\(line)" : file }
}

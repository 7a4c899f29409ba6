/// Small text helpers shared by the parsers. The configuration formats are ASCII at heart; these helpers
/// avoid Foundation so the module stays small.
enum ConfigText {
    /// OpenDKIM trims with `isspace()`: space, tab, CR, LF, VT, FF.
    static func isSpace(_ c: Character) -> Bool {
        c == " " || c == "\t" || c == "\r" || c == "\n" || c == "\u{0B}" || c == "\u{0C}"
    }

    static func trim<S: StringProtocol>(_ text: S) -> String {
        guard let start = text.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = text.lastIndex(where: { !isSpace($0) })!
        return String(text[start...end])
    }

    /// Splits at the first run of whitespace: the first token, and the rest trimmed (nil when there is none).
    static func splitFirstToken(_ text: String) -> (first: String, rest: String?) {
        let trimmed = trim(text)
        guard let gap = trimmed.firstIndex(where: isSpace) else { return (trimmed, nil) }
        let rest = trim(trimmed[gap...])
        return (String(trimmed[..<gap]), rest.isEmpty ? nil : rest)
    }

    /// Everything before the first `#`, as OpenDKIM's data set and configuration readers cut comments.
    static func strippingComment(_ line: Substring) -> Substring {
        guard let hash = line.firstIndex(of: "#") else { return line }
        return line[..<hash]
    }

    /// Splits file text into lines at LF or CRLF. (Swift treats CRLF as one Character, so splitting at "\n"
    /// alone would leave CRLF files in one piece.)
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    static func quoted(_ text: String) -> String { "\"\(text)\"" }
}

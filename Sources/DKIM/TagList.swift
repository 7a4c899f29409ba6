/// A parsed tag=value list (RFC 6376 §3.2), keeping each value's position in the source bytes so that
/// the `b=` value can be blanked in place for hashing.
public struct TagList: Sendable, Hashable {
    public struct Tag: Sendable, Hashable {
        public let name: String
        /// The value with leading and trailing whitespace removed; inner folding kept.
        public let value: String
        /// Where the value sits in the parsed bytes: from just after `=` to just before `;` or the end,
        /// surrounding whitespace included (what RFC 6376 §3.7 removes for `b=`).
        public let valueRange: Range<Int>
    }

    public let tags: [Tag]

    public subscript(name: String) -> String? {
        tags.first { $0.name == name }?.value
    }

    /// Parses `bytes`. Tag names are case-sensitive; a duplicate tag, a tag without `=`, or an invalid
    /// tag name is an error. Empty specs (`;;`, a trailing `;`) are tolerated.
    public init<Bytes: BidirectionalCollection>(parsing bytes: Bytes) throws(TagListError) where Bytes.Element == UInt8, Bytes.Index == Int {
        var tags: [Tag] = []
        var seen = Set<String>()
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            // One tag-spec runs to the next ';'.
            var specEnd = index
            while specEnd < end && bytes[specEnd] != UInt8(ascii: ";") { specEnd += 1 }
            guard let equals = bytes[index..<specEnd].firstIndex(of: UInt8(ascii: "=")) else {
                if bytes[index..<specEnd].contains(where: { !Self.isFWS($0) }) {
                    throw TagListError("tag without '=': \"\(Self.text(bytes[index..<specEnd]))\"")
                }
                index = specEnd + 1
                continue
            }
            let nameBytes = Self.trim(bytes[index..<equals])
            guard let first = nameBytes.first, Self.isAlpha(first),
                  nameBytes.allSatisfy({ Self.isAlpha($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") })
            else { throw TagListError("invalid tag name \"\(Self.text(nameBytes))\"") }
            let name = Self.text(nameBytes)
            guard seen.insert(name).inserted else { throw TagListError("duplicate tag \(name)=") }
            let value = Self.text(Self.trim(bytes[(equals + 1)..<specEnd]))
            tags.append(Tag(name: name, value: value, valueRange: (equals + 1)..<specEnd))
            index = specEnd + 1
        }
        self.tags = tags
    }

    public init(parsing text: String) throws(TagListError) {
        try self.init(parsing: Array(text.utf8))
    }

    static func isFWS(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
    private static func isAlpha(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func text<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 { String(decoding: Array(bytes), as: UTF8.self) }
    private static func trim<C: BidirectionalCollection>(_ bytes: C) -> C.SubSequence where C.Element == UInt8 {
        var slice = bytes[...]
        while let first = slice.first, isFWS(first) { slice = slice.dropFirst() }
        while let last = slice.last, isFWS(last) { slice = slice.dropLast() }
        return slice
    }
}

/// A malformed tag list; the message names the offending tag.
public struct TagListError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    /// The text with all folding whitespace removed (for `b=`, `bh=`, `p=` and `h=` values).
    var removingFWS: String {
        String(decoding: utf8.filter { !TagList.isFWS($0) }, as: UTF8.self)
    }
}

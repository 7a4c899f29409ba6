import DKIM

extension HeaderField {
    /// The header field as the message holds it, from the name and value the MTA sent. Folded lines
    /// arrive joined by the MTA's own line end (Postfix: bare LF), which `HeaderField` reads as CRLF. Without
    /// `SMFIP_HDR_LEADSPC` the MTA removed one space after the colon; it is put back, which restores the
    /// usual `Name: value` exactly (a field written without that space cannot be told apart).
    init(milterName name: [UInt8], value: [UInt8], valueHasLeadingSpace: Bool) {
        var raw = name
        raw.append(UInt8(ascii: ":"))
        if !valueHasLeadingSpace { raw.append(0x20) }
        raw.append(contentsOf: value)
        self.init(raw: raw)
    }

    /// The value to send back to the MTA in an insert/add header request: the text after the colon, folded
    /// with LF (the MTA writes its own line ends), and without the leading space when the MTA adds one.
    func milterValue(leadingSpace: Bool) -> String {
        var text = valueText(lineEnd: "\n")
        if !leadingSpace, text.hasPrefix(" ") { text.removeFirst() }
        if leadingSpace, !text.hasPrefix(" ") { text = " " + text }
        return text
    }
}

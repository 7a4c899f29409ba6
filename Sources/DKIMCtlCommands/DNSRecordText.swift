/// The DNS TXT record of a DKIM key, written in opendkim-genkey's zone-file shape and read back from it.
public enum DNSRecordText {
    /// Longest character-string in a TXT record (RFC 1035 §3.3).
    static let maximumStringLength = 255

    /// The record's tag text split into strings of at most 255 bytes: the tags in one, `p=` in as many as it needs.
    public static func strings(tags: String, publicKeyBase64: String) -> [String] {
        var strings = [tags]
        var rest = Substring("p=" + publicKeyBase64)
        while !rest.isEmpty {
            let piece = rest.prefix(250)
            strings.append(String(piece))
            rest = rest.dropFirst(piece.count)
        }
        return strings
    }

    /// `SELECTOR._domainkey<TAB>IN<TAB>TXT<TAB>( "…" "…" )  ; ----- DKIM key SELECTOR for DOMAIN`.
    public static func zoneFileEntry(selector: String, domain: String, strings: [String]) -> String {
        var text = "\(selector)._domainkey\tIN\tTXT\t( "
        text += strings.enumerated().map { index, string in
            (index == 0 ? "" : "\t  ") + "\"" + string + "\""
        }.joined(separator: "\n")
        text += " )  ; ----- DKIM key \(selector) for \(domain)\n"
        return text
    }

    /// The record text from a zone-file entry (quoted strings joined), or the file's text as it is when it
    /// has no quotes (a bare `v=DKIM1; k=…; p=…` record).
    public static func recordText(fromFile text: String) -> String {
        guard text.contains("\"") else { return text.trimmingWhitespace }
        var joined = ""
        var inside = false
        var escaped = false
        for character in text {
            if inside {
                if escaped { joined.append(character); escaped = false }
                else if character == "\\" { escaped = true }
                else if character == "\"" { inside = false }
                else { joined.append(character) }
            } else if character == "\"" {
                inside = true
            } else if character == ";" {
                // A zone-file comment runs to the end of the line; only outside quotes.
                break
            }
        }
        return joined
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(String.UnicodeScalarView(scalars.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }.reversed()))
    }
}

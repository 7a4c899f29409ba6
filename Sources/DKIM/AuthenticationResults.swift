/// Builds the Authentication-Results field value (RFC 8601) for DKIM results.
///
/// - SeeAlso: RFC 8601 §2.2 (syntax), RFC 6008 (`header.b`).
public enum AuthenticationResults {
    /// The result of one signature as a `resinfo`: `dkim=pass header.d=… header.i=… header.s=… header.a=… header.b=…`.
    public static func resinfo(_ verification: SignatureVerification) -> String {
        var parts = ["dkim=" + verification.result.keyword]
        if let reason = verification.result.reason { parts.append("reason=" + quoted(reason)) }
        if let domain = verification.domain { parts.append("header.d=" + value(domain)) }
        if let identity = verification.identity { parts.append("header.i=" + value(identity)) }
        if let selector = verification.selector { parts.append("header.s=" + value(selector)) }
        if let algorithm = verification.algorithm { parts.append("header.a=" + value(algorithm)) }
        if let prefix = verification.signaturePrefix, !prefix.isEmpty { parts.append("header.b=" + value(prefix)) }
        return parts.joined(separator: " ")
    }

    /// The whole field value: our authserv-id, then one `resinfo` per signature (or `dkim=none`).
    /// `separator` joins the parts: `"; "` for one line, `";\r\n\t"` to fold.
    public static func value(authservID: String, results: [SignatureVerification], separator: String = "; ") -> String {
        let resinfos = results.isEmpty ? ["dkim=none"] : results.map(resinfo)
        return ([authservID] + resinfos).joined(separator: separator)
    }

    /// A `value` (RFC 2045 token) when it is one, else a quoted-string. `@` and `.` are allowed unquoted in
    /// RFC 8601 property values that are addresses or domains.
    static func value(_ text: String) -> String {
        let special = Set("()<>,;:\\\"/[]?= \t".utf8)
        let plain = !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !special.contains($0) }
        return plain ? text : quoted(text)
    }

    /// A quoted-string (RFC 5322 §3.2.4) for reason texts.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "\\": out += "\\" + String(scalar)
            case "\r", "\n": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The authserv-id of an existing Authentication-Results value, for removing forged ones (RFC 8601 §5).
    public static func authservID(ofValue value: String) -> String? {
        var text = Substring(value)
        // Skip leading CFWS comments are rare; take the token before ';' or whitespace.
        text = text.drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        let id = text.prefix { $0 != ";" && $0 != " " && $0 != "\t" && $0 != "\r" && $0 != "\n" }
        return id.isEmpty ? nil : String(id)
    }
}

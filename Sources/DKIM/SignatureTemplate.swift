/// Lays out a DKIM-Signature field: tags in a fixed order, folded near 78 columns, `b=` last so that
/// blanking its value leaves exactly the text that was hashed.
struct SignatureTemplate {
    static let name = "DKIM-Signature"
    static let width = 78

    private var lines: [String] = []
    private var column: Int

    init(request: SigningRequest, signedNames: [String], bodyHash: [UInt8], bodyLength: UInt64?, timestamp: UInt64) {
        column = Self.name.utf8.count + 1
        lines = [Self.name + ":"]
        append("v=1;")
        append("a=\(request.algorithm.rawValue);")
        append("c=\(request.canonicalization);")
        append("d=\(request.domain.value);")
        append("s=\(request.selector.value);")
        if let identity = request.identity { append("i=\(identity);") }
        append("t=\(timestamp);")
        if let expiresAfter = request.expiresAfter { append("x=\(timestamp + expiresAfter);") }
        if let bodyLength { append("l=\(bodyLength);") }
        append("bh=\(Base64.encode(bodyHash));")
        appendHeaderList(signedNames)
        append("b=")
    }

    /// Adds a token after a space, or on a new folded line when it would pass the width.
    private mutating func append(_ token: String) {
        let length = token.utf8.count
        if column + 1 + length > Self.width {
            lines.append("\t" + token)
            column = 8 + length
        } else {
            lines[lines.count - 1] += " " + token
            column += 1 + length
        }
    }

    /// `h=` may be long; it folds after a colon, where RFC 6376 allows FWS.
    private mutating func appendHeaderList(_ names: [String]) {
        var pieces = names.enumerated().map { index, name in index == names.count - 1 ? name + ";" : name + ":" }
        pieces[0] = "h=" + pieces[0]
        var first = true
        for piece in pieces {
            let length = piece.utf8.count
            if first {
                append(piece)
                first = false
            } else if column + length > Self.width {
                lines.append("\t" + piece)
                column = 8 + length
            } else {
                lines[lines.count - 1] += piece
                column += length
            }
        }
    }

    /// The field with an empty `b=`, which is what the header hash covers.
    func fieldWithoutSignature() -> HeaderField {
        HeaderField(raw: Array(lines.joined(separator: "\r\n").utf8))
    }

    /// The finished field: `b=` filled, folded to the width.
    func field(signature: [UInt8]) -> HeaderField {
        var lines = self.lines
        var column = self.column
        var remaining = Substring(Base64.encode(signature))
        while !remaining.isEmpty {
            let room = max(Self.width - column, 8)
            let piece = remaining.prefix(room)
            remaining = remaining.dropFirst(piece.count)
            lines[lines.count - 1] += piece
            if !remaining.isEmpty {
                lines.append("\t")
                column = 8
            }
        }
        return HeaderField(raw: Array(lines.joined(separator: "\r\n").utf8))
    }
}

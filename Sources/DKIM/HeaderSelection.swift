import DKIMCrypto

/// Picks the header fields that `h=` names (RFC 6376 §5.4.2): for each name, the last instance not yet
/// used, working up from the bottom. A name listed more often than it occurs selects nothing (the "null
/// string") for the extra entries, which is what makes over-signing lock out added fields.
enum HeaderSelection {
    static func select(_ names: [String], from headers: [HeaderField]) -> [HeaderField] {
        var remaining: [String: [Int]] = [:]
        for (index, field) in headers.enumerated() {
            remaining[field.lowercasedName, default: []].append(index)
        }
        var selected: [HeaderField] = []
        selected.reserveCapacity(names.count)
        for name in names {
            let key = name.lowercased()
            guard let index = remaining[key]?.popLast() else { continue }
            selected.append(headers[index])
        }
        return selected
    }

    /// The data the header hash covers: the selected fields canonicalized, then the signature field with
    /// `b=` blanked and without its final CRLF (RFC 6376 §3.7).
    static func headerHash(headers: [HeaderField], signedNames: [String], blankedSignature: HeaderField,
                           canonicalization: CanonicalizationAlgorithm, digest: DigestAlgorithm) -> [UInt8] {
        var data: [UInt8] = []
        for field in select(signedNames, from: headers) {
            field.appendCanonicalized(canonicalization, to: &data)
            data.append(contentsOf: [0x0D, 0x0A])
        }
        blankedSignature.appendCanonicalized(canonicalization, to: &data)
        return HashContext.hash(digest, data)
    }
}

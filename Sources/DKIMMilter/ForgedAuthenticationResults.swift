import DKIM
import MilterProtocol

/// Authentication-Results fields that claim our authserv-id arrived from outside: they are forgeries and
/// must go before ours is added (RFC 8601 §5).
enum ForgedAuthenticationResults {
    /// The delete requests for every Authentication-Results field whose authserv-id is `ours`. Indexes are
    /// 1-based among fields of that name (libmilter and Postfix), and the requests go from the highest
    /// index down, so that no deletion shifts the position of one still to come.
    static func deletions(in headers: [HeaderField], authservID ours: String) -> [MilterResponse] {
        var occurrence: UInt32 = 0
        var forged: [UInt32] = []
        for field in headers where field.hasName("Authentication-Results") {
            occurrence += 1
            if let id = AuthenticationResults.authservID(ofValue: field.unfoldedValue), id.lowercased() == ours.lowercased() {
                forged.append(occurrence)
            }
        }
        return forged.reversed().map { .changeHeader(index: $0, name: "Authentication-Results", value: "") }
    }
}

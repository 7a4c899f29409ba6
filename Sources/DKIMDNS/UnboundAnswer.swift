internal import CUnbound
import DKIM

/// The parts of a `struct ub_result` that decide a lookup's outcome, copied out of C memory so the
/// result can be freed at once and the mapping tested without libunbound.
struct UnboundAnswer: Sendable, Hashable {
    var rcode: Int32
    var hasData: Bool
    var isNXDomain: Bool
    var isSecure: Bool
    var isBogus: Bool
    var whyBogus: String?
    /// RDATA of each record in the answer, in libunbound's order (no RDLENGTH prefix).
    var rdata: [[UInt8]]

    /// Copies `result`; does not free it.
    init(_ result: UnsafePointer<ub_result>) {
        let r = result.pointee
        rcode = r.rcode
        hasData = r.havedata != 0
        isNXDomain = r.nxdomain != 0
        isSecure = r.secure != 0
        isBogus = r.bogus != 0
        whyBogus = r.why_bogus.map { String(cString: $0) }
        var items: [[UInt8]] = []
        if hasData, let data = r.data, let lengths = r.len {
            var index = 0
            while let item = data[index] {
                let count = Int(lengths[index])
                if count > 0 {
                    items.append(Array(UnsafeRawBufferPointer(start: item, count: count)))
                } else {
                    items.append([])
                }
                index += 1
            }
        }
        rdata = items
    }

    init(
        rcode: Int32 = 0, hasData: Bool = false, isNXDomain: Bool = false, isSecure: Bool = false,
        isBogus: Bool = false, whyBogus: String? = nil, rdata: [[UInt8]] = []
    ) {
        self.rcode = rcode
        self.hasData = hasData
        self.isNXDomain = isNXDomain
        self.isSecure = isSecure
        self.isBogus = isBogus
        self.whyBogus = whyBogus
        self.rdata = rdata
    }

    /// What DKIM sees (RFC 6376 §6.1.2): no record is final, a server failure is worth retrying, and a
    /// DNSSEC-bogus answer is never used. Malformed RDATA is skipped; if nothing usable is left the
    /// answer counts as a permanent failure, since a broken record will not mend itself on retry.
    func lookupResult(for name: String, validating: Bool) -> TXTLookupResult {
        if isBogus {
            return .permanentFailure("DNSSEC validation failed: \(whyBogus ?? "no reason given")")
        }
        switch rcode {
        case 0:
            break
        case 3:
            return .notFound("NXDOMAIN: \(name) does not exist")
        default:
            return .temporaryFailure("DNS \(Self.rcodeName(rcode)) for \(name)")
        }
        guard hasData, !rdata.isEmpty else { return .notFound("no TXT record at \(name)") }
        let records = rdata.compactMap { TXTRecordData.joinedStrings($0) }
        guard !records.isEmpty else { return .permanentFailure("malformed TXT record at \(name)") }
        let status: DNSSECStatus = isSecure ? .secure : (validating ? .insecure : .unknown)
        return .found(records, dnssec: status)
    }

    static func rcodeName(_ rcode: Int32) -> String {
        switch rcode {
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        default: return "rcode \(rcode)"
        }
    }
}

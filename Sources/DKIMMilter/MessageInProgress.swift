import DKIM
import DKIMConfig

/// One message between MAIL and end-of-message: its header fields, then what was decided at the end of
/// the headers and the running signer or verifier that the body streams through.
final class MessageInProgress {
    enum Work {
        /// Headers still arriving.
        case collectingHeaders
        case signing(DKIMSigner, [SigningKeyChoice])
        case verifying(DKIMVerifier)
        /// Nothing to do; the reason is logged, the keyword counted.
        case skipping(String, keyword: String)
        /// The message could not be handled (too many headers, an internal error): accept it as it is.
        case givenUp(String)
    }

    let settings: FilterSettings
    private(set) var headers: [HeaderField] = []
    private var headerBytes = 0
    var work: Work = .collectingHeaders
    var reasons: [String] = []

    init(settings: FilterSettings) {
        self.settings = settings
    }

    func addHeader(_ field: HeaderField) {
        guard case .collectingHeaders = work else { return }
        headers.append(field)
        headerBytes += field.raw.count
        if headers.count > settings.maximumHeaders {
            giveUp("more than \(settings.maximumHeaders) header fields")
        } else if headerBytes > settings.maximumHeaderBytes {
            giveUp("header section larger than \(settings.maximumHeaderBytes) bytes")
        }
    }

    func giveUp(_ why: String) {
        work = .givenUp(why)
        headers = []
    }

    func body(_ bytes: [UInt8]) {
        switch work {
        case .signing(let signer, _): signer.updateBody(bytes)
        case .verifying(let verifier): verifier.updateBody(bytes)
        default: break
        }
    }

    /// Whether the body is of any use (so the filter can tell the MTA to stop sending it).
    var needsBody: Bool {
        switch work {
        case .signing, .verifying: return true
        default: return false
        }
    }
}

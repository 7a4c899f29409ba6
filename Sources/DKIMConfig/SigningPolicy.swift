public import DKIM
import DKIMCrypto

/// The sign-or-verify decision for one message, made the way OpenDKIM makes it (opendkim(8) OPERATION;
/// opendkim.c `mlfi_eoh`), from a loaded configuration and its keys. Pure: no I/O, no clock.
///
/// 1. A client on PeerList is left alone.
/// 2. The message is *ours* when its `{daemon_name}` is listed in MTA, or a MacroList macro matches, or the
///    client's name or address is on InternalHosts, or the client authenticated (`{auth_type}` not empty).
/// 3. The keys for the From address come from the SigningTable (first match, or every match with
///    MultipleSignatures) and the KeyTable, or, in a single-key set-up, from KeyFile when the From domain
///    is in Domain (or a subdomain of one with SubDomains, signing as that parent).
/// 4. Ours and with keys: sign (if Mode has `s`; otherwise leave it alone, as OpenDKIM does). Anything
///    else — not ours, or ours without a key for the domain — is verified (if Mode has `v`), again as
///    OpenDKIM does: it starts a verification whenever it made no signing request.
///
/// ExternalIgnoreList changes nothing in this decision: it only silences the notice about an outside client
/// sending as one of our signing domains (``PolicyDecision/externalSenderNotice``).
public struct SigningPolicy: Sendable {
    public let configuration: DaemonConfiguration
    public let keys: LoadedKeys

    public init(configuration: DaemonConfiguration, keys: LoadedKeys) {
        self.configuration = configuration
        self.keys = keys
    }

    /// With `explaining` false the decision comes without its reasons: formatting a file:line trail for
    /// every message costs more than deciding, and only LogWhy and `dkimctl explain` read it.
    public func decide(_ facts: MessageFacts, explaining: Bool = true) -> PolicyDecision {
        let config = configuration
        var reasons = ReasonTrail(enabled: explaining)

        if let peer = config.peerList.match(address: facts.clientAddress, hostName: facts.clientHostName),
           !peer.isExclusion {
            reasons.append("PeerList \(peer)")
            return PolicyDecision(action: .skip(.peerList), reasons: reasons.lines)
        }

        // Who sent it.
        let ours = origin(facts, reasons: &reasons)

        // What it claims to be from.
        guard let text = facts.fromAddress, let from = SigningPolicy.senderAddress(text),
              let fromDomain = from.domainName
        else {
            reasons.append("no From address with a domain")
            return PolicyDecision(action: .skip(.noUsableFrom), reasons: reasons.lines)
        }

        let (found, matched) = keyChoices(for: from, fromDomain: fromDomain, reasons: &reasons)
        var choices = found
        var notice: String?
        if matched && !ours {
            if let ignored = config.externalIgnoreList.match(address: facts.clientAddress, hostName: facts.clientHostName),
               !ignored.isExclusion {
                reasons.append("ExternalIgnoreList \(ignored): no notice about the outside sender")
            } else {
                notice = "external host \(SigningPolicy.describeClient(facts)) attempted to send as \(fromDomain)"
            }
            reasons.append("\(fromDomain) has signing keys, but the sender is not ours: not signing")
            choices = []
        }

        if matched && ours && !config.mode.contains(.sign) {
            reasons.append("Mode \(config.mode) does not sign: leaving the message alone, as OpenDKIM does")
            return PolicyDecision(action: .skip(.signingDisabled), reasons: reasons.lines)
        }
        if !choices.isEmpty {
            reasons.append("signing with \(choices.count) key\(choices.count == 1 ? "" : "s")")
            return PolicyDecision(action: .sign(choices), reasons: reasons.lines)
        }
        guard config.mode.contains(.verify) else {
            reasons.append("Mode \(config.mode) does not verify: leaving the message alone")
            return PolicyDecision(action: .skip(.verifyingDisabled), reasons: reasons.lines, externalSenderNotice: notice)
        }
        reasons.append(ours ? "nothing to sign for \(fromDomain): verifying, as OpenDKIM does" : "verifying")
        return PolicyDecision(action: .verify, reasons: reasons.lines, externalSenderNotice: notice)
    }

    /// The `SigningRequest` for a chosen key with this configuration's canonicalization and header lists.
    ///
    /// SignHeaders and OmitHeaders may use OpenDKIM's delta form: a list containing `*` starts from the
    /// default set, `+name` adds and `-name` removes (opendkim.conf(5), OmitHeaders).
    public func signingRequest(for choice: SigningKeyChoice) -> SigningRequest {
        let defaults = SigningRequest.defaultSignedHeaders
        var headers: [String]?
        if let sign = configuration.signHeaders {
            headers = SigningPolicy.applyList(sign, to: defaults)
        }
        if let omit = configuration.omitHeaders {
            let omitted = Set(SigningPolicy.applyList(omit, to: ["Return-Path", "Received", "Comments", "Keywords",
                                                                  "Bcc", "Resent-Bcc", "DKIM-Signature"]).map { $0.lowercased() })
            headers = (headers ?? defaults).filter { !omitted.contains($0.lowercased()) }
        }
        return SigningRequest(domain: choice.domain, selector: choice.selector, key: choice.key,
                              algorithm: choice.algorithm, canonicalization: configuration.canonicalization,
                              headers: headers, oversign: configuration.oversignHeaders, identity: choice.identity)
    }

    // MARK: - Steps

    private func origin(_ facts: MessageFacts, reasons: inout ReasonTrail) -> Bool {
        let config = configuration
        if let mtas = config.mtaNames {
            if let name = facts.daemonName, let entry = mtas.firstMatch(name, caseSensitive: true) {
                reasons.append("MTA \(entry.location) (\(entry.key)) matches daemon name \(name)")
                return true
            }
            reasons.append("MTA: daemon name \(facts.daemonName ?? "(none)") is not listed")
        }
        if let macros = config.macroList {
            if let (entry, value) = macros.match(facts.macros) {
                reasons.append("MacroList \(entry.location) ({\(entry.name)}) matches value \(value)")
                return true
            }
            reasons.append("MacroList: no macro matches")
        }
        if let match = config.internalHosts.match(address: facts.clientAddress, hostName: facts.clientHostName) {
            reasons.append("InternalHosts \(match)")
            if !match.isExclusion { return true }
        } else {
            reasons.append("InternalHosts: \(SigningPolicy.describeClient(facts)) is not internal")
        }
        if facts.authenticated {
            reasons.append("client authenticated ({auth_type} is set)")
            return true
        }
        reasons.append("not authenticated")
        return false
    }

    /// The keys for the sender, and whether any table line applied at all (OpenDKIM's "domain OK", which
    /// decides even when Mode v left the keys unloaded).
    private func keyChoices(for from: MailAddress, fromDomain: DomainName,
                            reasons: inout ReasonTrail) -> (choices: [SigningKeyChoice], matched: Bool) {
        let config = configuration
        if let table = config.signingTable, let keyTable = config.keyTable {
            let matches = table.lookup(localPart: from.localPart, domain: fromDomain.value, all: config.multipleSignatures)
            if matches.isEmpty {
                reasons.append("SigningTable \(table.location): no entry for \(from)")
                return ([], false)
            }
            var choices: [SigningKeyChoice] = []
            for match in matches {
                reasons.append("SigningTable \(match.entry.location) (\(match.entry.pattern)) matches \(match.query): key \(match.keyName)")
                guard let entry = keyTable.entry(named: match.keyName), let loaded = keys[entry.name] else {
                    if config.mode.contains(.sign) {
                        reasons.append("KeyTable: no loaded key named \(match.keyName); this line cannot sign")
                    }
                    continue
                }
                let domain = entry.domain.resolved(senderDomain: fromDomain)
                choices.append(choice(loaded, domain: domain, identity: SigningPolicy.identity(match.signer, domain: domain, reasons: &reasons),
                                      signingTableLocation: match.entry.location, reasons: &reasons))
            }
            return (choices, true)
        }
        if let domains = config.domains {
            let loaded = keys[LoadedKeys.keyFileName]
            if let entry = domains.firstMatch(fromDomain.value) ?? domains.firstMatch("*") {
                reasons.append("Domain \(entry.location) (\(entry.key)) matches \(fromDomain)")
                guard let loaded else { return ([], true) }
                return ([choice(loaded, domain: fromDomain, identity: nil, signingTableLocation: nil, reasons: &reasons)], true)
            }
            if config.subDomains {
                var labels = fromDomain.value.split(separator: ".").dropFirst()
                while labels.count >= 1 {
                    let parent = labels.joined(separator: ".")
                    if let entry = domains.firstMatch(parent), let parentDomain = DomainName(parent) {
                        reasons.append("Domain \(entry.location) (\(entry.key)) matches parent \(parent) of \(fromDomain) (SubDomains)")
                        guard let loaded else { return ([], true) }
                        return ([choice(loaded, domain: parentDomain, identity: "@\(fromDomain)", signingTableLocation: nil,
                                        reasons: &reasons)], true)
                    }
                    labels = labels.dropFirst()
                }
            }
            reasons.append("Domain: \(fromDomain) is not a signing domain")
        }
        return ([], false)
    }

    private func choice(_ loaded: LoadedKeys.Key, domain: DomainName, identity: String?,
                        signingTableLocation: ConfigLocation?, reasons: inout ReasonTrail) -> SigningKeyChoice {
        let key = loaded.privateKey
        let algorithm = configuration.signatureAlgorithm.keyType == key.type
            ? configuration.signatureAlgorithm : .signing(with: key.type)
        let source = loaded.entry.name == LoadedKeys.keyFileName ? "KeyFile" : "KeyTable"
        reasons.append("\(source) \(loaded.entry.location) (\(loaded.entry.name)): d=\(domain) s=\(loaded.entry.selector) \(algorithm) (\(key.type.rawValue), \(key.bits) bits)")
        return SigningKeyChoice(domain: domain, selector: loaded.entry.selector, key: key, algorithm: algorithm,
                                identity: identity, keyName: loaded.entry.name,
                                signingTableLocation: signingTableLocation, keyLocation: loaded.entry.location)
    }

    /// The SigningTable's signer as `i=`, dropped when its domain is not `d=` or below it (RFC 6376 §3.5),
    /// as OpenDKIM drops a conflicting identity.
    private static func identity(_ signer: String?, domain: DomainName, reasons: inout ReasonTrail) -> String? {
        guard let signer else { return nil }
        let identityDomain = signer.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? signer
        if let parsed = DomainName(identityDomain), parsed.isSubdomain(of: domain) {
            return signer.contains("@") ? signer : "@\(signer)"
        }
        reasons.append("signer \(signer) is not within d=\(domain): no i= tag")
        return nil
    }

    private static func applyList(_ entries: [String], to defaults: [String]) -> [String] {
        guard entries.contains("*") else { return entries.map { $0.hasPrefix("+") ? String($0.dropFirst()) : $0 } }
        var result = defaults
        for entry in entries where entry != "*" {
            if entry.hasPrefix("-") {
                let name = entry.dropFirst().lowercased()
                result.removeAll { $0.lowercased() == name }
            } else {
                let name = entry.hasPrefix("+") ? String(entry.dropFirst()) : entry
                if !result.contains(where: { $0.lowercased() == name.lowercased() }) { result.append(name) }
            }
        }
        return result
    }

    /// `MessageFacts.fromAddress` is normally an extracted `local@domain` (whose local part may hold
    /// characters that were quoted in the header); anything that still looks like header syntax is parsed.
    static func senderAddress(_ text: String) -> MailAddress? {
        let headerSyntax = text.contains { $0 == "<" || $0 == ">" || $0 == "(" || $0 == "\"" || $0 == "," || $0 == ";" }
        if !headerSyntax, let at = text.lastIndex(of: "@") {
            let local = String(text[..<at])
            var domain = ConfigText.trim(text[text.index(after: at)...]).lowercased()
            if domain.hasSuffix(".") { domain.removeLast() }
            guard !local.isEmpty, !domain.isEmpty, !domain.hasPrefix("[") else { return nil }
            return MailAddress(localPart: local, domain: domain)
        }
        return MailAddress.addresses(inHeaderValue: text).first
    }

    private static func describeClient(_ facts: MessageFacts) -> String {
        let name = facts.clientHostName ?? "(no name)"
        return facts.clientAddress.map { "\(name) [\($0)]" } ?? name
    }
}

/// The reasons trail of a decision, formatted only when it will be read.
struct ReasonTrail {
    let enabled: Bool
    private(set) var lines: [String] = []

    init(enabled: Bool) { self.enabled = enabled }

    mutating func append(_ line: @autoclosure () -> String) {
        if enabled { lines.append(line()) }
    }
}

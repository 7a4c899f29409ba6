import DKIM
import DKIMConfig
import Logging
import MilterProtocol
import MilterServer
#if canImport(Glibc)
import Glibc
#endif

/// One MTA connection's worth of DKIM work. Decides at the end of the headers whether to sign (our own
/// sender, a key for the From domain) or verify, streams the body into the signer or verifier, and at the
/// end of the message answers with the header changes. Any failure of ours ends in "continue" with no
/// change: the mail goes through, and the log says why.
final class DKIMMilterSession: MilterSession {
    private let settings: FilterSettingsStore
    private let metrics: MilterMetrics
    private let baseLogger: Logger
    private var clientHostName: String?
    private var clientAddress: IPAddress?
    private var message: MessageInProgress?

    init(settings: FilterSettingsStore, metrics: MilterMetrics, logger: Logger) {
        self.settings = settings
        self.metrics = metrics
        self.baseLogger = logger
    }

    func handle(_ event: MilterEvent, context: MilterEventContext) -> MilterReply {
        switch event {
        case .connect(let hostname, let address):
            clientHostName = hostname
            switch address.family {
            case .inet, .inet6:
                // Sendmail writes IPv6 client addresses as "IPv6:2001:db8::1".
                let text = address.address.lowercased().hasPrefix("ipv6:") ? String(address.address.dropFirst(5)) : address.address
                clientAddress = IPAddress(text)
            default: clientAddress = nil
            }
            return .continue
        case .newSession:
            clientHostName = nil
            clientAddress = nil
            message = nil
            return .continue
        case .mailFrom:
            message = MessageInProgress(settings: settings.current)
            return .continue
        case .header(let name, let value):
            let message = currentMessage()
            message.addHeader(HeaderField(milterName: name, value: value,
                                          valueHasLeadingSpace: context.negotiated.headerLeadingSpace))
            return .continue
        case .endOfHeaders:
            return endOfHeaders(currentMessage(), context: context)
        case .body(let bytes):
            message?.body(bytes)
            return .continue
        case .endOfMessage:
            guard let message else { return .continue }
            self.message = nil
            return endOfMessage(message, context: context)
        case .abort:
            message = nil
            return .continue
        case .helo, .recipient, .data, .unknown:
            return .continue
        }
    }

    func connectionClosed() {
        message = nil
    }

    /// A message whose MAIL step the MTA skipped still gets a state.
    private func currentMessage() -> MessageInProgress {
        if let message { return message }
        let fresh = MessageInProgress(settings: settings.current)
        message = fresh
        return fresh
    }

    private func logger(_ context: MilterEventContext) -> Logger {
        var logger = baseLogger
        if let queueID = context.macro("i") { logger[metadataKey: "qid"] = "\(queueID)" }
        return logger
    }

    // MARK: - End of headers: the decision

    private func endOfHeaders(_ message: MessageInProgress, context: MilterEventContext) -> MilterReply {
        let logger = logger(context)
        if case .givenUp = message.work { return acceptWithoutBody(message, logger: logger, context: context) }
        let facts = messageFacts(message, context: context)
        let decision = message.settings.policy.decide(facts, explaining: message.settings.configuration.logWhy)
        message.reasons = decision.reasons
        if let notice = decision.externalSenderNotice { logger.notice("\(notice)") }

        switch decision.action {
        case .sign(let choices):
            let fromCount = message.headers.filter { $0.hasName("From") }.count
            guard fromCount == 1 else {
                message.work = .skipping("not signing: the message has \(fromCount) From header fields (RFC 6376 §8.15)",
                                         keyword: "multiple-from")
                return .continue
            }
            let requests = choices.map { message.settings.policy.signingRequest(for: $0) }
            do {
                let signer = try DKIMSigner(requests: requests, now: UInt64(time(nil)))
                message.work = .signing(signer, choices)
            } catch {
                message.work = .givenUp("cannot sign: \(error)")
            }
        case .verify:
            message.work = .verifying(DKIMVerifier(headers: message.headers, options: message.settings.verification))
        case .skip(let reason):
            message.work = .skipping(reason.description, keyword: reason.keyword)
        }
        if !message.needsBody { return acceptWithoutBody(message, logger: logger, context: context) }
        return .continue
    }

    /// Nothing to add: tell the MTA not to send us the body. When the MTA waits for this reply, "accept" ends
    /// the message here and no end-of-message follows: log and count it now. Otherwise (NR_EOH) the end of
    /// the message does, once.
    private func acceptWithoutBody(_ message: MessageInProgress, logger: Logger, context: MilterEventContext) -> MilterReply {
        if !context.negotiated.protocolOptions.contains(.noReplyEndOfHeaders) { recordUnworked(message, logger: logger) }
        return .now([.accept])
    }

    /// The log line and the count of a message that ends without signing or verifying.
    private func recordUnworked(_ message: MessageInProgress, logger: Logger) {
        switch message.work {
        case .skipping(let why, let keyword):
            log(logger, message, decision: "skip", result: why)
            metrics.message(.skipped(keyword))
        case .givenUp(let why):
            logger.warning("not signing or verifying: \(why); message accepted unchanged")
            metrics.message(.unhandled)
        case .collectingHeaders, .signing, .verifying:
            break
        }
    }

    private func messageFacts(_ message: MessageInProgress, context: MilterEventContext) -> MessageFacts {
        // Only MacroList reads the whole set: do not copy it for every message otherwise.
        var macros: [String: String] = [:]
        if message.settings.configuration.macroList != nil {
            for stage in MilterMacroStage.allCases {
                for macro in context.macros.macros(for: stage) { macros[macro.name] = macro.value }
            }
        }
        let authType = context.macro("auth_type") ?? ""
        let from = message.headers.first { $0.hasName("From") }
        let fromAddress = from.flatMap { MailAddress.addresses(inHeaderValue: $0.unfoldedValue).first }
        return MessageFacts(clientAddress: clientAddress ?? context.macro("client_addr").flatMap { IPAddress($0) },
                            clientHostName: clientHostName, authenticated: !authType.isEmpty,
                            daemonName: context.macro("daemon_name"), macros: macros,
                            fromAddress: fromAddress?.description)
    }

    // MARK: - End of message: the work

    private func endOfMessage(_ message: MessageInProgress, context: MilterEventContext) -> MilterReply {
        let logger = logger(context)
        let negotiated = context.negotiated
        let authservID = message.settings.authservID ?? context.macro("j") ?? HostName.current()
        switch message.work {
        case .collectingHeaders:
            // No end-of-headers was seen (skipped by negotiation): decide now.
            _ = endOfHeaders(message, context: context)
            if case .collectingHeaders = message.work { return .continue }
            return endOfMessage(message, context: context)
        case .skipping, .givenUp:
            recordUnworked(message, logger: logger)
            return .continue
        case .signing(let signer, let choices):
            let box = UncheckedBox((signer, message.headers))
            guard negotiated.canAddHeaders else {
                logger.error("cannot sign: the MTA did not allow adding header fields (SMFIF_ADDHDRS); message accepted unsigned")
                metrics.message(.signingFailed)
                return .continue
            }
            let metrics = self.metrics
            let session = SessionLog(logger: logger, reasons: message.settings.configuration.logWhy ? message.reasons : [])
            let canInsert = Self.canInsertHeaders(negotiated, context)
            let work: @Sendable () -> [MilterResponse] = {
                let (signer, headers) = box.value
                do {
                    let start = ContinuousClock.now
                    let fields = try signer.finish(headers: headers)
                    metrics.signing(took: ContinuousClock.now - start)
                    for choice in choices {
                        metrics.signature(domain: "\(choice.domain)", selector: "\(choice.selector)",
                                          algorithm: "\(choice.algorithm)")
                    }
                    metrics.message(.signed)
                    var responses: [MilterResponse] = []
                    for field in fields {
                        let value = field.milterValue(leadingSpace: negotiated.headerLeadingSpace)
                        responses.append(canInsert ? .insertHeader(index: 0, name: "DKIM-Signature", value: value)
                                                   : .addHeader(name: "DKIM-Signature", value: value))
                    }
                    let names = choices.map { "d=\($0.domain) s=\($0.selector) a=\($0.algorithm)" }.joined(separator: ", ")
                    session.write(decision: "sign", result: "signed (\(names))")
                    return responses + [.continue]
                } catch {
                    session.logger.error("signing failed, message accepted unsigned: \(error)")
                    metrics.message(.signingFailed)
                    return [.continue]
                }
            }
            // An Ed25519 signature costs about as much as hashing a 20 KB chunk: do it here and spare the
            // two thread hops. RSA (hundreds of microseconds) never runs on the event loop.
            if choices.allSatisfy({ $0.key.type == .ed25519 }) { return .now(work()) }
            return .later { work() }
        case .verifying(let verifier):
            let box = UncheckedBox((verifier, message.headers))
            let settings = message.settings
            let metrics = self.metrics
            let session = SessionLog(logger: logger, reasons: settings.configuration.logWhy ? message.reasons : [])
            let canInsert = Self.canInsertHeaders(negotiated, context)
            return .later {
                let (verifier, headers) = box.value
                var results = await verifier.finish(resolver: settings.resolver)
                // RFC 6376 §8.15: with several From fields a pass would vouch for a From the signer never saw.
                let fromCount = headers.filter { $0.hasName("From") }.count
                if fromCount > 1 {
                    for index in results.indices where results[index].result == .pass {
                        results[index].result = .policy("the message has \(fromCount) From header fields")
                    }
                }
                var responses: [MilterResponse] = []
                let forged = ForgedAuthenticationResults.deletions(in: headers, authservID: authservID)
                if !forged.isEmpty {
                    if negotiated.canChangeHeaders {
                        responses += forged
                        session.logger.notice("removed \(forged.count) Authentication-Results field(s) claiming our authserv-id \(authservID)")
                    } else {
                        session.logger.warning("\(forged.count) forged Authentication-Results field(s) left in place: the MTA did not allow changing headers")
                    }
                }
                let summary = results.isEmpty ? "no signature"
                    : results.map { "d=\($0.domain ?? "?") s=\($0.selector ?? "?") \($0.result)" }.joined(separator: "; ")
                if !results.isEmpty || settings.configuration.alwaysAddARHeader {
                    if negotiated.canAddHeaders {
                        let value = AuthenticationResults.value(authservID: authservID, results: results, separator: ";\n\t")
                        let text = negotiated.headerLeadingSpace ? " " + value : value
                        responses.append(canInsert ? .insertHeader(index: 0, name: "Authentication-Results", value: text)
                                                   : .addHeader(name: "Authentication-Results", value: text))
                    } else {
                        session.logger.warning("cannot add Authentication-Results: the MTA did not allow adding header fields")
                    }
                }
                for result in results where result.hasUnsignedBodyContent {
                    session.logger.notice("d=\(result.domain ?? "?"): \(result.bodyLength! - result.signedBodyLength!) body bytes after the l= signed length are not covered by the signature")
                }
                session.write(decision: "verify", result: summary)
                metrics.message(.verified(results.map(\.result.keyword)))
                return responses + [.continue]
            }
        }
    }

    private func log(_ logger: Logger, _ message: MessageInProgress, decision: String, result: String) {
        SessionLog(logger: logger, reasons: message.settings.configuration.logWhy ? message.reasons : [])
            .write(decision: decision, result: result)
    }

    /// SMFIR_INSHEADER came with protocol version 3 (sendmail 8.14). Postfix takes it at every version,
    /// including the `milter_protocol = 2` of the setup guide; another MTA speaking version 2 gets ADDHEADER,
    /// which puts the field at the bottom of the header block (still a valid place for DKIM).
    static func canInsertHeaders(_ negotiated: MilterStateMachine.Negotiated, _ context: MilterEventContext) -> Bool {
        negotiated.version >= 3 || (context.macro("v")?.hasPrefix("Postfix") ?? false)
    }
}

/// The one log line per message: decision, result, and with LogWhy the rules that decided.
struct SessionLog: Sendable {
    let logger: Logger
    let reasons: [String]

    func write(decision: String, result: String) {
        var line = "\(decision): \(result)"
        if !reasons.isEmpty { line += " [why: \(reasons.joined(separator: "; "))]" }
        logger.info("\(line)")
    }
}

/// Hands non-Sendable per-message objects to the end-of-message task. Safe because the MTA waits for our
/// answer: nothing on the event loop touches them until the task is done.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

import ArgumentParser
import DKIM
import DKIMMilter
#if canImport(Glibc)
import Glibc
#endif

/// `dkimctl verify`: check every DKIM-Signature of the message on stdin.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the DKIM signatures of the message on standard input.",
        discussion: """
        Prints one line per signature (d= s= a= result=, and reason= when it is not pass), then the \
        Authentication-Results header field. Exit status: 0 when at least one signature passes, 1 when none \
        does (or there is none), 2 on usage or input errors.
        """
    )

    @OptionGroup var keys: KeyResolverOptions

    @Option(help: "authserv-id for the Authentication-Results line (default: this host's name).")
    var authservID: String?

    @Option(help: ArgumentHelp("Current time in seconds since the epoch, for checking t= and x=.", visibility: .hidden))
    var now: UInt64?

    func run() async throws {
        let clock = now
        let options = VerificationOptions(now: { clock ?? UInt64(time(nil)) })
        var parser = MessageParser()
        var verifier: DKIMVerifier?
        try StandardStreams.readInput { chunk in
            do {
                try parser.feed(chunk) { event in
                    switch event {
                    case .headers(let fields): verifier = DKIMVerifier(headers: fields, options: options)
                    case .body(let bytes): verifier?.updateBody(bytes)
                    }
                }
            } catch let error as MessageParseError {
                throw CLIError("not a message: \(error)")
            }
        }
        do { try parser.finish() } catch { throw CLIError("not a message: \(error)") }
        guard let verifier else { throw CLIError("not a message: no header") }

        let (resolver, shutdown) = try keys.makeResolver()
        let results = await verifier.finish(resolver: resolver)
        shutdown()

        var out = ""
        for (index, result) in results.enumerated() {
            var line = "signature \(index + 1): d=\(result.domain ?? "?") s=\(result.selector ?? "?") a=\(result.algorithm ?? "?") result=\(result.result.keyword)"
            if let reason = result.result.reason { line += " reason=\(AuthenticationResults.quoted(reason))" }
            if result.keyTesting { line += " testing=yes" }
            if result.hasUnsignedBodyContent { line += " unsigned-body-bytes=\(result.bodyLength! - result.signedBodyLength!)" }
            out += line + "\n"
        }
        if results.isEmpty { out += "no DKIM-Signature found\n" }
        let id = authservID ?? HostName.current()
        out += "Authentication-Results: " + AuthenticationResults.value(authservID: id, results: results) + "\n"
        try StandardStreams.write(out)
        if !results.contains(where: { $0.result.isPass }) { throw ExitCode(1) }
    }
}

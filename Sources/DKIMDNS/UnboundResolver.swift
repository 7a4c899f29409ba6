internal import CUnbound
import DKIM

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Looks up DKIM key records through libunbound, without ever blocking the calling thread.
///
/// One `ub_ctx` per resolver, in threaded asynchronous mode (`ub_ctx_async(ctx, 1)`, so libunbound
/// starts a worker thread rather than forking). One dedicated thread of ours polls `ub_fd` and runs
/// `ub_process`; each lookup suspends on a continuation that the result callback resumes. A SwiftNIO
/// event loop or a cooperative-pool thread therefore only ever takes a short lock.
///
/// Each lookup has a deadline of `configuration.timeout`; when it passes the query is cancelled
/// (`ub_cancel`) and the result is `.temporaryFailure("DNS timeout after N s for NAME")`. Cancelling
/// the calling task cancels the query too.
///
/// libunbound's built-in local zones still apply: RFC 6761 names such as `localhost`, `*.test` and
/// `*.invalid` get NXDOMAIN without any server being asked.
///
/// Call `shutdown()` (or drop the last reference) to stop the thread and free the context; lookups
/// still pending then get `.temporaryFailure("resolver shut down")`.
///
/// - SeeAlso: [RFC 6376 §3.6.2](https://www.rfc-editor.org/rfc/rfc6376#section-3.6.2),
///   [libunbound(3)](https://unbound.docs.nlnetlabs.nl/en/latest/manpages/libunbound.html)
public final class UnboundResolver: DKIMKeyResolver {
    /// The settings this resolver was built with.
    public let configuration: ResolverConfiguration
    private let loop: UnboundQueryLoop

    /// Creates and configures the libunbound context and starts the resolver thread.
    ///
    /// With explicit nameservers every query is forwarded to them (`ub_ctx_set_fwd`) and
    /// `/etc/resolv.conf` is not read; otherwise its `nameserver` lines are used. Either way
    /// `do-not-query-localhost` is turned off, since a local caching resolver (127.0.0.1, systemd's
    /// 127.0.0.53) is the usual and recommended setup for a mail host.
    ///
    /// The context is finalized here, so a trust anchor file libunbound cannot parse fails now, not
    /// on every later lookup.
    ///
    /// - Throws: `DNSConfigurationError` for a non-positive timeout, an unreadable or unparsable trust
    ///   anchor file, or an option libunbound refuses.
    public init(
        configuration: ResolverConfiguration = ResolverConfiguration()
    ) throws(DNSConfigurationError) {
        guard configuration.timeout > .zero else {
            throw .invalidTimeout("\(configuration.timeout) is not positive")
        }
        guard let ctx = ub_ctx_create() else { throw .unbound("ub_ctx_create failed") }
        do {
            try Self.configure(ctx, configuration)
            loop = try UnboundQueryLoop(ctx: ctx, validating: configuration.trustAnchorFile != nil)
        } catch {
            ub_ctx_delete(ctx)
            throw error
        }
        self.configuration = configuration
    }

    deinit {
        loop.shutdown()
    }

    /// Looks up the TXT records at `name` (no trailing dot needed). Never throws and never blocks:
    /// every failure is a `TXTLookupResult` case.
    public func lookupTXT(_ name: String) async -> TXTLookupResult {
        if let problem = Self.nameProblem(name) {
            return .permanentFailure("invalid DNS name '\(name)': \(problem)")
        }
        let token = loop.makeToken()
        let timeout = configuration.timeout
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TXTLookupResult, Never>) in
                let lookup = UnboundQueryLoop.Lookup(
                    token: token, name: name, timeout: timeout,
                    deadline: ContinuousClock.now.advanced(by: timeout), continuation: continuation)
                guard loop.submit(.lookup(lookup)) else {
                    continuation.resume(returning: .temporaryFailure("resolver shut down"))
                    return
                }
                // The cancellation handler may have run before the lookup was queued.
                if Task.isCancelled { _ = loop.submit(.cancel(token: token)) }
            }
        } onCancel: {
            _ = loop.submit(.cancel(token: token))
        }
    }

    /// Stops the resolver thread and frees the libunbound context, answering pending lookups with
    /// `.temporaryFailure("resolver shut down")`. Later lookups get the same answer at once.
    /// Returns when the context is freed (the thread is woken at once, so this is brief). Idempotent.
    public func shutdown() {
        loop.shutdown()
    }

    private static func configure(
        _ ctx: OpaquePointer, _ configuration: ResolverConfiguration
    ) throws(DNSConfigurationError) {
        try check(ub_ctx_async(ctx, 1), "ub_ctx_async")
        try check(ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"), "do-not-query-localhost")
        if configuration.nameservers.isEmpty {
            try check(ub_ctx_resolvconf(ctx, nil), "reading /etc/resolv.conf")
        } else {
            for server in configuration.nameservers {
                try check(ub_ctx_set_fwd(ctx, server.description), "forwarder \(server)")
            }
            // libunbound answers names under test. itself (NXDOMAIN, RFC 6761 default zone). With nameservers
            // named explicitly the administrator wants them asked, test domains included.
            try check(ub_ctx_set_option(ctx, "local-zone:", "test. transparent"), "local-zone test. transparent")
        }
        if let file = configuration.trustAnchorFile {
            guard access(file, R_OK) == 0 else {
                throw .trustAnchor("cannot read \(file): errno \(errno)")
            }
            let rc = ub_ctx_add_ta_file(ctx, file)
            guard rc == 0 else { throw .trustAnchor("\(file): \(UnboundQueryLoop.errorText(rc))") }
        }
        // libunbound reads the trust anchor file and sets up its modules only when the context is
        // finalized, which otherwise happens in the first lookup, so a broken anchor file would turn
        // every lookup into a temporary failure instead of failing at startup. Removing a local zone
        // that does not exist is the public call that finalizes without side effects.
        let rc = ub_ctx_zone_remove(ctx, "finalize.dkim-milter.invalid.")
        guard rc == 0 else {
            let reason = UnboundQueryLoop.errorText(rc)
            if let file = configuration.trustAnchorFile {
                throw .trustAnchor("\(file) rejected (\(reason)); libunbound logged the details to stderr")
            }
            throw .unbound("context setup failed: \(reason)")
        }
    }

    private static func check(_ rc: Int32, _ what: String) throws(DNSConfigurationError) {
        guard rc == 0 else { throw .unbound("\(what): \(UnboundQueryLoop.errorText(rc))") }
    }

    /// Why `name` cannot go on the wire (RFC 1035 §2.3.4 limits), or nil. Checked here because
    /// libunbound reports a name it cannot parse as "out of memory".
    static func nameProblem(_ name: String) -> String? {
        var bytes = Array(name.utf8)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        guard !bytes.isEmpty else { return "empty name" }
        guard bytes.count <= 253 else { return "longer than 253 octets" }
        guard !bytes.contains(0) else { return "contains a NUL byte" }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty else { return "empty label" }
            guard label.count <= 63 else { return "label longer than 63 octets" }
        }
        return nil
    }
}

internal import CUnbound
import DKIM
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one `ub_ctx` and the single thread that drives it.
///
/// Every libunbound call after setup (`ub_resolve_async`, `ub_process`, `ub_cancel`, `ub_ctx_delete`)
/// happens on that thread, and callers only append to an inbox under a lock and wake the thread
/// through a pipe. So a caller never blocks on libunbound (not even on its query pipe), and a callback
/// can never race a cancel: `ub_cancel` in threaded mode only marks the query, and callbacks run only
/// inside our own `ub_process`, so a query still in `inFlight` has not had its callback yet and,
/// once cancelled, never will.
final class UnboundQueryLoop: @unchecked Sendable {
    enum Request {
        case lookup(Lookup)
        case cancel(token: UInt64)
    }

    struct Lookup {
        var token: UInt64
        var name: String
        var timeout: Duration
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<TXTLookupResult, Never>
    }

    /// Passed to libunbound as `mydata`: retained while libunbound may still call back with it, and
    /// released by the callback or after a successful `ub_cancel`.
    final class QueryBox {
        let token: UInt64
        unowned(unsafe) let loop: UnboundQueryLoop

        init(token: UInt64, loop: UnboundQueryLoop) {
            self.token = token
            self.loop = loop
            #if DEBUG
            Self.live.withLock { $0 += 1 }
            #endif
        }

        #if DEBUG
        deinit { Self.live.withLock { $0 -= 1 } }

        /// Boxes alive in the process; tests check it returns to zero (no leaked `mydata`).
        static let live = LockedValue(0)
        #endif
    }

    private struct InFlight {
        var lookup: Lookup
        var asyncID: Int32
        var box: Unmanaged<QueryBox>
    }

    // Shared with callers; guarded by `condition`.
    private let condition = NSCondition()
    private var inbox: [Request] = []
    private var wakeupPending = false
    private var stopRequested = false
    private var stopped = false
    private var nextToken: UInt64 = 0
    private var loopThread: pthread_t?

    // Touched only by the loop thread once it runs.
    private let ctx: OpaquePointer
    private let wakeup: WakeupPipe
    private let validating: Bool
    private var inFlight: [UInt64: InFlight] = [:]
    private var failure: String?

    /// Takes ownership of `ctx` (configured and finalized, no query made yet) and starts the thread.
    init(ctx: OpaquePointer, validating: Bool) throws(DNSConfigurationError) {
        self.wakeup = try WakeupPipe()
        self.ctx = ctx
        self.validating = validating
        let thread = Thread { [self] in self.run() }
        thread.name = "dkim-dns-unbound"
        thread.start()
    }

    // MARK: Caller side

    /// A token that names one lookup in later requests (cancellation).
    func makeToken() -> UInt64 {
        condition.withLock {
            nextToken += 1
            return nextToken
        }
    }

    /// Queues `request` for the loop thread, or returns false once shutdown has begun (the caller
    /// then answers for itself). An accepted lookup is always answered, even if shutdown follows.
    func submit(_ request: Request) -> Bool {
        condition.withLock {
            guard !stopRequested else { return false }
            inbox.append(request)
            wakeLocked()
            return true
        }
    }

    /// Writes the wake-up byte. Called with the lock held, so that it cannot race the pipe's close
    /// and write into a descriptor number the process has since reused.
    private func wakeLocked() {
        guard !wakeupPending, !stopped else { return }
        wakeupPending = true
        wakeup.wake()
    }

    /// Stops the thread, answers every pending lookup with a temporary failure, frees the context, and
    /// waits (briefly: the thread is woken at once) until all of that is done. Idempotent.
    func shutdown() {
        condition.lock()
        defer { condition.unlock() }
        stopRequested = true
        wakeLocked()
        if let loopThread, pthread_equal(loopThread, pthread_self()) != 0 {
            return  // Called from our own thread (a deinit during a callback): the loop sees the flag.
        }
        while !stopped { condition.wait() }
    }

    // MARK: Loop thread

    private func run() {
        condition.withLock { loopThread = pthread_self() }
        let unboundFD = ub_fd(ctx)
        if unboundFD < 0 { failure = "libunbound has no result descriptor" }
        var fds = [
            pollfd(fd: unboundFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeup.readFD, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let (requests, stop) = takeInbox()
            if stop {
                finish(unhandled: requests)
                return
            }
            for request in requests { handle(request) }
            let now = ContinuousClock.now
            expireLookups(now: now)
            if failure != nil { fds[0].fd = -1 }

            let nextDeadline = inFlight.values.map(\.lookup.deadline).min()
            let timeout = nextDeadline.map { ($0 - now).pollMilliseconds } ?? -1
            fds[0].revents = 0
            fds[1].revents = 0
            if poll(&fds, nfds_t(fds.count), timeout) < 0 && errno != EINTR {
                failAll("poll failed: errno \(errno)")
                usleep(10_000)  // Do not spin if poll keeps failing; requests are still answered.
                continue
            }
            if fds[1].revents != 0 { wakeup.drain() }
            if fds[0].fd >= 0, fds[0].revents != 0 {
                let rc = ub_process(ctx)
                if rc != 0 { failAll("libunbound worker failed: \(Self.errorText(rc))") }
            }
        }
    }

    private func takeInbox() -> ([Request], Bool) {
        condition.withLock {
            let requests = inbox
            inbox.removeAll(keepingCapacity: true)
            wakeupPending = false
            return (requests, stopRequested)
        }
    }

    private func handle(_ request: Request) {
        switch request {
        case .lookup(let lookup):
            start(lookup)
        case .cancel(let token):
            guard let query = inFlight.removeValue(forKey: token) else { return }
            cancel(query)
            let reason = "DNS lookup for \(query.lookup.name) cancelled"
            query.lookup.continuation.resume(returning: .temporaryFailure(reason))
        }
    }

    private func start(_ lookup: Lookup) {
        if let failure {
            lookup.continuation.resume(returning: .temporaryFailure("\(failure); \(lookup.name) not looked up"))
            return
        }
        let box = Unmanaged.passRetained(QueryBox(token: lookup.token, loop: self))
        var asyncID: Int32 = 0
        let rc = lookup.name.withCString { name in
            ub_resolve_async(ctx, name, 16, 1, box.toOpaque(), unboundResultCallback, &asyncID)
        }
        guard rc == 0 else {
            box.release()
            let reason = "DNS error for \(lookup.name): \(Self.errorText(rc))"
            lookup.continuation.resume(returning: .temporaryFailure(reason))
            return
        }
        inFlight[lookup.token] = InFlight(lookup: lookup, asyncID: asyncID, box: box)
    }

    /// Called from `unboundResultCallback`, inside our `ub_process`.
    fileprivate func deliver(token: UInt64, error: Int32, result: UnsafeMutablePointer<ub_result>?) {
        defer { ub_resolve_free(result) }
        guard let query = inFlight.removeValue(forKey: token) else { return }
        let name = query.lookup.name
        let outcome: TXTLookupResult
        if error != 0 {
            outcome = .temporaryFailure("DNS error for \(name): \(Self.errorText(error))")
        } else if let result {
            outcome = UnboundAnswer(result).lookupResult(for: name, validating: validating)
        } else {
            outcome = .temporaryFailure("DNS error for \(name): no result")
        }
        query.lookup.continuation.resume(returning: outcome)
    }

    private func expireLookups(now: ContinuousClock.Instant) {
        let expired = inFlight.filter { $0.value.lookup.deadline <= now }
        for (token, query) in expired {
            inFlight[token] = nil
            cancel(query)
            let reason = "DNS timeout after \(query.lookup.timeout.secondsText) s for \(query.lookup.name)"
            query.lookup.continuation.resume(returning: .temporaryFailure(reason))
        }
    }

    /// Cancels a query whose callback has not run. On success libunbound drops our `mydata` without
    /// calling back, so the box is ours to release. A failure cannot happen here (see the type's
    /// comment); if it did, leaking one small box is safer than risking a use after free.
    private func cancel(_ query: InFlight) {
        if ub_cancel(ctx, query.asyncID) == 0 { query.box.release() }
    }

    private func failAll(_ reason: String) {
        failure = reason
        for (_, query) in inFlight {
            cancel(query)
            let detail = "\(reason); \(query.lookup.name) not looked up"
            query.lookup.continuation.resume(returning: .temporaryFailure(detail))
        }
        inFlight.removeAll()
    }

    private func finish(unhandled: [Request]) {
        ub_ctx_delete(ctx)  // Drops outstanding queries without calling back.
        for (_, query) in inFlight {
            query.box.release()
            query.lookup.continuation.resume(returning: .temporaryFailure("resolver shut down"))
        }
        inFlight.removeAll()
        for case .lookup(let lookup) in unhandled {
            lookup.continuation.resume(returning: .temporaryFailure("resolver shut down"))
        }
        condition.withLock {
            stopped = true
            wakeup.close()
            condition.broadcast()
        }
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: ub_strerror(code))
    }
}

/// The C callback libunbound calls from `ub_process`; `mydata` is a retained `QueryBox`.
private func unboundResultCallback(
    _ mydata: UnsafeMutableRawPointer?, _ error: Int32, _ result: UnsafeMutablePointer<ub_result>?
) {
    guard let mydata else {
        ub_resolve_free(result)
        return
    }
    let box = Unmanaged<UnboundQueryLoop.QueryBox>.fromOpaque(mydata).takeRetainedValue()
    box.loop.deliver(token: box.token, error: error, result: result)
}

#if DEBUG
/// A value behind a lock, for the debug-only box counter.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.withLock { body(&value) }
    }
}
#endif

import DKIMMilter
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP and SIGUSR1 (OpenDKIM's reload signal), one reload at a time, and
/// tells systemd `STOPPING=1` when shutdown starts. The signals are trapped when this is created, before the
/// socket is bound, so an early SIGHUP never takes the default action (exit).
struct ReloadService: Service {
    let signals: UnixSignalsSequence
    let reloader: ConfigurationReloader
    let notifier: SystemdNotifier

    init(reloader: ConfigurationReloader, notifier: SystemdNotifier) async {
        signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1)
        self.reloader = reloader
        self.notifier = notifier
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                await reloader.reload()
            }
        } onGracefulShutdown: {
            notifier.stopping()
        }
    }
}

/// `WATCHDOG=1` every half `WatchdogSec` while the process runs (a no-op without `$WATCHDOG_USEC`).
struct WatchdogService: Service {
    let notifier: SystemdNotifier

    func run() async throws {
        guard let interval = notifier.watchdogInterval, notifier.isEnabled else {
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                notifier.watchdog()
                try await Task.sleep(for: interval)
            }
        }
    }
}

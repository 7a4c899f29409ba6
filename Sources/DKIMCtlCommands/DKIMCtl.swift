public import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `dkimctl`: the one executable of the project. The commands live in this library so tests can run them.
public struct DKIMCtl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dkimctl",
        abstract: "DKIM signing and verifying for mail servers: the milter, keys and signatures.",
        subcommands: [ServeCommand.self, GenKeyCommand.self, SignCommand.self, VerifyCommand.self, TestKeyCommand.self,
                      CheckCommand.self, ExplainCommand.self, ReloadCommand.self]
    )

    public init() {}

    /// The executable's entry point. Not an `async` main: on Linux the Swift runtime parks an async main's
    /// thread inside `pthread_exit` (libdispatch's `dispatch_main`), where glibc's process-wide `setuid`
    /// never reaches it, so after `UserID` drops privileges the thread-group leader would stay root: `ps`
    /// shows root, and /proc/PID/status says uid 0 with every capability. Here the main thread stays a live
    /// thread that only waits, while the command runs as a task; it takes part in the switch like the rest.
    /// For `serve` it blocks the signals first, as `dispatch_main` would, so SIGHUP and SIGTERM reach the
    /// signal sources of swift-service-lifecycle rather than this thread.
    public static func runFromSynchronousMain() -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if (try? parseAsRoot(arguments)) is ServeCommand {
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
        }
        Task.detached { await runMain(arguments) }
        while true { pause() }
    }

    /// Runs the command line and exits: 0 success, 1 a negative answer (verify found no valid signature,
    /// testkey found a mismatch), 2 usage or I/O errors.
    public static func runMain(_ arguments: [String]? = nil) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(withError: nil)
        } catch let error as CLIError {
            StandardStreams.warn(error.description)
            exit(withError: ExitCode(error.exitCode))
        } catch let error as ExitCode {
            exit(withError: error)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure || code.rawValue == 64 {
                // Usage problems: print ArgumentParser's message, exit 2 as the tools this replaces do.
                try? StandardStreams.write(fullMessage(for: error) + "\n", to: 2)
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}

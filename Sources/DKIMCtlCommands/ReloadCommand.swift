import ArgumentParser
import DKIMConfig
import DKIMMilter
#if canImport(Glibc)
import Glibc
#endif

/// `dkimctl reload`: checks the configuration as `check` does, then sends SIGHUP to the running daemon.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Check the configuration, then tell the running milter to reload it (SIGHUP).",
        discussion: """
        Runs the checks of `dkimctl check` first and prints its errors and warnings. With an error nothing is \
        sent (the daemon would refuse the configuration and keep the running one anyway) and the exit status \
        is 1. Otherwise SIGHUP goes to the process named in the configuration's PidFile (or --pid); the \
        daemon reports the outcome in its log: what changed, or why it kept the running configuration. \
        The same as `kill -HUP $(cat PIDFILE)` after a check.
        """
    )

    @Option(help: "The configuration file.")
    var config: String = "/etc/opendkim.conf"

    @Option(help: "Signal this process instead of the one in the configuration's PidFile.")
    var pid: Int32?

    func run() throws {
        let check = ConfigurationCheck(configPath: config)
        let report = check.findings.filter { $0.severity != .note }.map { $0.line + "\n" }.joined()
        try StandardStreams.write(report, to: 2)
        guard check.errorCount == 0, let configuration = check.configuration else {
            throw CLIError("reload: not sent: \(check.errorCount) error(s) in the configuration; the daemon keeps its running configuration",
                           exitCode: 1)
        }
        let target = try pid ?? Self.pid(from: configuration)
        try Self.checkIsRunningDaemon(target)
        guard kill(target, SIGHUP) == 0 else {
            throw CLIError("reload: cannot signal process \(target): \(String(cString: strerror(errno)))", exitCode: 1)
        }
        try StandardStreams.write("reload: sent SIGHUP to process \(target); its log says what changed\n")
    }

    private static func pid(from configuration: DaemonConfiguration) throws -> Int32 {
        guard let path = configuration.pidFile else {
            throw CLIError("reload: the configuration sets no PidFile; set one, or name the process with --pid", exitCode: 1)
        }
        do { return try PidFile(path: path).processID() } catch {
            throw CLIError("reload: \(error); is the milter running?", exitCode: 1)
        }
    }

    /// A PidFile left by a dead daemon may name a process that reuses the number: never signal that one.
    private static func checkIsRunningDaemon(_ pid: Int32) throws {
        guard PidFile.isRunning(pid) else {
            throw CLIError("reload: process \(pid) is not running (a stale PidFile?)", exitCode: 1)
        }
        if let bytes = try? KeyFile.readFile("/proc/\(pid)/comm") {
            let command = String(decoding: bytes, as: UTF8.self).filter { !$0.isNewline }
            guard command == "dkimctl" else {
                throw CLIError("reload: process \(pid) is \(command), not dkimctl (a stale PidFile?); nothing sent", exitCode: 1)
            }
        }
    }
}

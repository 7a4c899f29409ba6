/// A failure the user can act on: one line on stderr and an exit code. Never a trap, never a stack trace.
public struct CLIError: Error, CustomStringConvertible {
    public let description: String
    public let exitCode: Int32

    public init(_ description: String, exitCode: Int32 = 2) {
        self.description = description
        self.exitCode = exitCode
    }
}

/// The macros the MTA has sent so far on a connection, kept per stage as libmilter keeps them.
///
/// - A `SMFIC_MACRO` packet for a stage replaces that stage's previous set.
/// - Connection stages (connect, HELO) live until the connection (or, after `SMFIC_QUIT_NC`, the session)
///   ends; message stages (MAIL to end-of-message) are dropped when the message ends or is aborted.
/// - Lookup ignores braces (`{auth_type}` and `auth_type` are one name; so are `j` and `{j}`) and searches
///   the latest stage first: end-of-message, end-of-headers, DATA, RCPT, MAIL, HELO, connect. libmilter
///   searches end-of-headers before end-of-message; the two only differ if the MTA sends one name with
///   different values at both, and Postfix sends only `i` there.
///
/// A value type: ``MilterStateMachine/macros`` hands out a snapshot that stays valid while the machine
/// moves on.
public struct MilterMacros: Hashable, Sendable {
    /// Indexed by ``MilterMacroStage/protocolOrder``.
    private var stages: [[MilterMacro]?] = Array(repeating: nil, count: MilterMacroStage.allCases.count)

    public init() {}

    /// The value of `name` (with or without braces) from the latest stage that defines it.
    public func value(_ name: String) -> String? {
        let wanted = MilterMacro.bare(name)
        for index in stages.indices.reversed() {
            if let macros = stages[index], let hit = macros.first(where: { $0.name == wanted }) {
                return hit.value
            }
        }
        return nil
    }

    /// Same as ``value(_:)``.
    public subscript(_ name: String) -> String? { value(name) }

    /// The macros the MTA sent for `stage`, in wire order; empty when it sent none (or they were dropped).
    public func macros(for stage: MilterMacroStage) -> [MilterMacro] {
        stages[stage.protocolOrder] ?? []
    }

    /// Whether no stage holds a macro.
    public var isEmpty: Bool { stages.allSatisfy { $0?.isEmpty ?? true } }

    /// Replaces the set for `stage`.
    public mutating func define(_ macros: [MilterMacro], for stage: MilterMacroStage) {
        stages[stage.protocolOrder] = macros
    }

    /// Drops the stages that come after `stage`, as libmilter does when the command of `stage` arrives
    /// (a new MAIL forgets the previous message's RCPT and later macros).
    public mutating func removeStages(after stage: MilterMacroStage) {
        for index in (stage.protocolOrder + 1)..<stages.count { stages[index] = nil }
    }

    /// Drops MAIL and every later stage: the message is over.
    public mutating func removeMessageStages() {
        removeStages(after: .helo)
    }

    /// Drops MAIL and every later stage except `kept`.
    mutating func removeMessageStages(except kept: [MilterMacroStage]) {
        for stage in MilterMacroStage.allCases where stage.isMessageStage && !kept.contains(stage) {
            stages[stage.protocolOrder] = nil
        }
    }

    /// Drops everything: the connection or session is over.
    public mutating func removeAll() {
        stages = Array(repeating: nil, count: stages.count)
    }
}

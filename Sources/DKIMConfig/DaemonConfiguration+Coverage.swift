extension DaemonConfiguration {
    /// Whether some SigningTable line can choose this KeyTable entry: a line naming it (directly, or through
    /// a `*` name in a `refile:` KeyTable, as ``KeyTable/entry(named:)`` resolves it), or a `%` line, which
    /// may name any key. The same rule ``KeyLoader`` uses to decide which key failures stop the start.
    public func isReachedBySigningTable(_ entry: KeyTableEntry) -> Bool {
        guard let table = keyTable else { return false }
        let lines = signingTable?.entries ?? []
        if lines.contains(where: { $0.keyName == "%" }) { return true }
        return lines.contains { table.entry(named: $0.keyName)?.name == entry.name }
    }

    /// KeyTable entries that no SigningTable line reaches, in file order: keys that are loaded but never sign.
    public var keyTableEntriesNotReached: [KeyTableEntry] {
        (keyTable?.entries ?? []).filter { !isReachedBySigningTable($0) }
    }
}

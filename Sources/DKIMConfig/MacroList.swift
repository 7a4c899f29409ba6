/// `MacroList`: MTA macros whose presence (or value) marks a message as one of ours, to be signed.
///
/// Entries are `name` (the macro must be set, to anything) or `name=value1|value2` (it must be set to one of
/// the values, compared case-sensitively); in a file, `name value1|value2` (opendkim.conf(5), MacroList).
/// Names are written without braces; OpenDKIM asks the MTA for `{name}`. A name written with braces is
/// accepted too.
public struct MacroList: Sendable {
    public struct Entry: Hashable, Sendable {
        /// The macro name, without braces.
        public let name: String
        /// Accepted values; empty means any value.
        public let values: [String]
        public let location: ConfigLocation

        public init(name: String, values: [String], location: ConfigLocation) {
            self.name = name
            self.values = values
            self.location = location
        }
    }

    public let entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// The first entry the macros satisfy, with the value that satisfied it. `macros` may be keyed with or
    /// without braces (`daemon_name` or `{daemon_name}`).
    public func match(_ macros: [String: String]) -> (entry: Entry, value: String)? {
        for entry in entries {
            guard let value = macros[entry.name] ?? macros["{\(entry.name)}"] else { continue }
            if entry.values.isEmpty || entry.values.contains(value) { return (entry, value) }
        }
        return nil
    }

    static func build(from dataSet: DataSet) -> MacroList {
        MacroList(entries: dataSet.entries.map { item in
            var name = item.key
            if name.hasPrefix("{") && name.hasSuffix("}") && name.count > 2 { name = String(name.dropFirst().dropLast()) }
            let values = item.value.map { $0.split(separator: "|").map { ConfigText.trim($0) }.filter { !$0.isEmpty } } ?? []
            return Entry(name: name, values: values, location: item.location)
        })
    }
}

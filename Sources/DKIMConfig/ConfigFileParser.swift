/// One `Key value` line of an opendkim.conf, before its value is interpreted.
struct ConfigDirective: Sendable {
    /// The option name as written.
    var name: String
    /// The name lowercased: OpenDKIM compares option names case-insensitively.
    var key: String
    /// The rest of the line, trimmed; may be empty (the option's handler decides whether that is an error).
    var value: String
    var location: ConfigLocation
}

/// Splits opendkim.conf text into directives with OpenDKIM's own rules (config.c `config_load_level`):
///
/// - a line is cut at the first `#` or CR, wherever it is, even inside a value (there is no quoting);
/// - the name ends at the first space or tab, the value is the rest with spaces and tabs trimmed;
/// - blank lines are skipped;
/// - `Include path` reads another file in place, at most five levels deep, the path taken as written
///   (relative to the current directory, as OpenDKIM's `fopen` would).
enum ConfigFileParser {
    static let maximumIncludeDepth = 5

    static func parse(_ text: String, file: String, depth: Int = 0) throws -> [ConfigDirective] {
        var directives: [ConfigDirective] = []
        for (index, rawLine) in ConfigText.lines(text).enumerated() {
            let location = ConfigLocation(file: file, line: index + 1)
            var line = rawLine
            if let cut = line.firstIndex(where: { $0 == "#" || $0 == "\r" }) { line = line[..<cut] }
            guard let nameStart = line.firstIndex(where: { $0 != " " && $0 != "\t" }) else { continue }
            let afterName = line[nameStart...].firstIndex(where: { $0 == " " || $0 == "\t" }) ?? line.endIndex
            let name = String(line[nameStart..<afterName])
            var value = line[afterName...]
            while let first = value.first, first == " " || first == "\t" { value = value.dropFirst() }
            while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
            let directive = ConfigDirective(name: name, key: name.lowercased(), value: String(value), location: location)
            if directive.key == "include" {
                directives += try include(directive, depth: depth)
            } else {
                directives.append(directive)
            }
        }
        return directives
    }

    private static func include(_ directive: ConfigDirective, depth: Int) throws -> [ConfigDirective] {
        guard !directive.value.isEmpty else {
            throw ConfigError.badValue("Include needs a file name", at: directive.location)
        }
        guard depth < maximumIncludeDepth else {
            throw ConfigError.badValue(
                "Include \(ConfigText.quoted(directive.value)): nested more than \(maximumIncludeDepth) levels deep",
                at: directive.location)
        }
        switch FileAccess.readText(directive.value) {
        case .success(let text):
            return try parse(text, file: directive.value, depth: depth + 1)
        case .failure(let failure):
            throw ConfigError.unreadableFile(
                "Include \(ConfigText.quoted(directive.value)): \(failure.reason)", at: directive.location)
        }
    }
}

import Foundation

/// The integer `#define`s of a C header, evaluated: hex and decimal numbers with `L` suffixes, character
/// literals, references to earlier defines, parentheses and `+ - * | <<`. Defines whose value is not such an
/// expression (strings, macros with arguments) are left out. `#if` is not evaluated, so conditional
/// defines count too.
struct CHeaderConstants {
    private(set) var values: [String: Int64] = [:]

    init(contentsOf path: String) throws {
        var text = try String(contentsOfFile: path, encoding: .utf8)
        // Drop /* ... */ comments, which may span lines.
        while let start = text.range(of: "/*"), let end = text.range(of: "*/", range: start.upperBound..<text.endIndex) {
            text.removeSubrange(start.lowerBound..<end.upperBound)
        }
        let define = try Regex(#"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.+?)\s*$"#)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let match = try define.wholeMatch(in: String(line)),
                  let name = match.output[1].substring, let expression = match.output[2].substring
            else { continue }
            var evaluator = Evaluator(tokens: Self.tokens(String(expression)), known: values)
            if let value = evaluator.parseExpression(), evaluator.atEnd {
                values[String(name)] = value
            }
        }
    }

    subscript(name: String) -> Int64? { values[name] }

    private static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var chars = Array(text)[...]
        while let c = chars.first {
            if c.isWhitespace {
                chars = chars.dropFirst()
            } else if c == "'" {
                guard chars.count >= 3, chars[chars.startIndex + 2] == "'" else { return ["?"] }
                tokens.append(String(chars.prefix(3)))
                chars = chars.dropFirst(3)
            } else if c.isLetter || c.isNumber || c == "_" {
                let word = chars.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                tokens.append(String(word))
                chars = chars.dropFirst(word.count)
            } else if c == "<", chars.dropFirst().first == "<" {
                tokens.append("<<")
                chars = chars.dropFirst(2)
            } else {
                tokens.append(String(c))
                chars = chars.dropFirst()
            }
        }
        return tokens
    }

    private struct Evaluator {
        var tokens: [String]
        var index = 0
        let known: [String: Int64]

        var atEnd: Bool { index == tokens.count }

        mutating func parseExpression() -> Int64? {
            guard var value = parseShift() else { return nil }
            while index < tokens.count, tokens[index] == "|" {
                index += 1
                guard let rhs = parseShift() else { return nil }
                value |= rhs
            }
            return value
        }

        mutating func parseShift() -> Int64? {
            guard var value = parseSum() else { return nil }
            while index < tokens.count, tokens[index] == "<<" {
                index += 1
                guard let rhs = parseSum() else { return nil }
                value <<= rhs
            }
            return value
        }

        mutating func parseSum() -> Int64? {
            guard var value = parseProduct() else { return nil }
            while index < tokens.count, tokens[index] == "+" || tokens[index] == "-" {
                let op = tokens[index]
                index += 1
                guard let rhs = parseProduct() else { return nil }
                value = op == "+" ? value + rhs : value - rhs
            }
            return value
        }

        mutating func parseProduct() -> Int64? {
            guard var value = parseAtom() else { return nil }
            while index < tokens.count, tokens[index] == "*" {
                index += 1
                guard let rhs = parseAtom() else { return nil }
                value *= rhs
            }
            return value
        }

        mutating func parseAtom() -> Int64? {
            guard index < tokens.count else { return nil }
            let token = tokens[index]
            index += 1
            if token == "(" {
                guard let value = parseExpression(), index < tokens.count, tokens[index] == ")" else { return nil }
                index += 1
                return value
            }
            if token == "-" {
                return parseAtom().map { -$0 }
            }
            if token.hasPrefix("'") {
                return Int64(token.unicodeScalars.dropFirst().first!.value)
            }
            if let first = token.first, first.isNumber {
                var digits = Substring(token)
                while let last = digits.last, last == "L" || last == "l" || last == "U" || last == "u" { digits = digits.dropLast() }
                if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
                    return Int64(digits.dropFirst(2), radix: 16)
                }
                return Int64(digits)
            }
            return known[token]
        }
    }
}

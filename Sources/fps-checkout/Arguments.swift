/// A small in-house command-line parser: one optional subcommand, then `--name value`,
/// `--name=value` and `--flag` options declared up front, so help and errors come from one table.
struct OptionSpec {
    let name: String
    /// Placeholder for the value, such as `PORT`; nil for a flag that takes none.
    let valueName: String?
    let help: String
}

struct ParsedArguments {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    func value(_ name: String) -> String? { values[name] }
    func has(_ name: String) -> Bool { flags.contains(name) }
}

struct ArgumentError: Error, CustomStringConvertible {
    let description: String
}

enum ArgumentParser {
    /// Parses `arguments` against `specs`; `--help` and `-h` become the flag `help`.
    static func parse(_ arguments: ArraySlice<String>, specs: [OptionSpec], command: String) throws(ArgumentError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var remaining = arguments
        while let argument = remaining.popFirst() {
            if argument == "-h" || argument == "--help" {
                parsed.flags.insert("help")
                continue
            }
            guard argument.hasPrefix("--") else {
                throw ArgumentError(description: "Unexpected argument \"\(argument)\" for \(command). Run `fps-checkout \(command) --help` for the options.")
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw ArgumentError(description: "Unknown option --\(name) for \(command). Run `fps-checkout \(command) --help` for the options.")
            }
            if let valueName = spec.valueName {
                guard let value = inlineValue ?? remaining.popFirst() else {
                    throw ArgumentError(description: "Option --\(name) needs a value (\(valueName)).")
                }
                parsed.values[name] = value
            } else {
                if inlineValue != nil { throw ArgumentError(description: "Option --\(name) takes no value.") }
                parsed.flags.insert(name)
            }
        }
        return parsed
    }

    /// Formats the option table for `--help`.
    static func usage(command: String, summary: String, specs: [OptionSpec]) -> String {
        var lines = [summary, "", "Usage: fps-checkout \(command.isEmpty ? "" : command + " ")[options]", "", "Options:"]
        let rendered = specs.map { spec in ("--\(spec.name)" + (spec.valueName.map { " \($0)" } ?? ""), spec.help) }
        let width = (rendered.map(\.0.count).max() ?? 0) + 2
        for (left, help) in rendered {
            lines.append("  " + left.padding(toLength: width, withPad: " ", startingAt: 0) + help)
        }
        lines.append("  " + "--help".padding(toLength: width, withPad: " ", startingAt: 0) + "Show this help.")
        return lines.joined(separator: "\n")
    }
}

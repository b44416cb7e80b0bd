import Dispatch
import FPSClient
import Foundation
import Synchronization

/// One scripting subcommand: its options, help text and the work it does.
struct ScriptSubcommand: Sendable {
    let name: String
    let summary: String
    /// Operands after the subcommand, such as `URI`, for the usage line; empty when it takes none.
    var operands: String = ""
    let options: [OptionSpec]
    /// Help paragraphs printed between the option table and the exit codes.
    let details: String
    let run: @Sendable (ScriptInvocation) async throws(ArgumentError) -> ExitCode
}

/// The inputs of one subcommand run: its parsed options, its operands, its environment and its output.
struct ScriptInvocation: Sendable {
    let arguments: ParsedArguments
    let operands: [String]
    let environment: [String: String]
    let output: ScriptOutput
}

/// Parses and runs the scripting subcommands (`cbui-url`, `verify-return`, `pay`, `reserve`,
/// `settle`, `cancel`, `refund`, `status`), turning every outcome into a documented exit code.
enum ScriptCommand {
    static let all: [ScriptSubcommand] = [CBUIURLCommand.subcommand, VerifyReturnCommand.subcommand] + TransactionCommands.all

    static func handles(_ name: String) -> Bool {
        all.contains { $0.name == name }
    }

    /// Runs the subcommand `name` with the arguments after it and returns the process exit code.
    static func run(_ name: String, _ rawArguments: ArraySlice<String>, environment: [String: String]) -> Int32 {
        guard let subcommand = all.first(where: { $0.name == name }) else { return ExitCode.usage.rawValue }
        // Usage errors honour --json too, so the flag is looked up before parsing can fail.
        let output = ScriptOutput(command: name, json: rawArguments.contains("--json"))

        // Without operands, the parser itself reports a stray argument or an unknown option.
        let split = subcommand.operands.isEmpty ? (options: rawArguments, operands: []) : splitOperands(rawArguments, specs: subcommand.options)
        let parsed: ParsedArguments
        do {
            parsed = try ArgumentParser.parse(split.options, specs: subcommand.options, command: name)
        } catch {
            return output.printUsageError(error.description).rawValue
        }
        if parsed.has("help") {
            print(help(for: subcommand))
            return ExitCode.success.rawValue
        }

        let invocation = ScriptInvocation(arguments: parsed, operands: split.operands, environment: environment, output: output)
        return runBlocking {
            do throws(ArgumentError) {
                return try await subcommand.run(invocation).rawValue
            } catch {
                return output.printUsageError(error.description).rawValue
            }
        }
    }

    /// Builds the `--help` text: summary, usage, options, details and the exit-code table.
    static func help(for subcommand: ScriptSubcommand) -> String {
        var usage = ArgumentParser.usage(command: subcommand.name, summary: subcommand.summary, specs: subcommand.options)
        if !subcommand.operands.isEmpty {
            usage = usage.replacingOccurrences(of: "Usage: fps-checkout \(subcommand.name) [options]",
                                               with: "Usage: fps-checkout \(subcommand.name) \(subcommand.operands) [options]")
        }
        return [usage, subcommand.details, ExitCode.helpText].joined(separator: "\n\n")
    }

    /// Separates operands from options: an argument not starting with `-` is an operand unless
    /// it is the value of the option before it, and everything after `--` is an operand.
    /// A lone `-` is an operand too, meaning stdin.
    static func splitOperands(_ arguments: ArraySlice<String>, specs: [OptionSpec]) -> (options: ArraySlice<String>, operands: [String]) {
        var options: [String] = []
        var operands: [String] = []
        var remaining = arguments
        while let argument = remaining.popFirst() {
            if argument == "--" {
                operands += remaining
                break
            }
            guard argument.hasPrefix("-"), argument != "-" else {
                operands.append(argument)
                continue
            }
            options.append(argument)
            let name = String(argument.drop { $0 == "-" })
            let takesValue = specs.first { $0.name == name }?.valueName != nil
            if takesValue, let value = remaining.popFirst() {
                options.append(value)
            }
        }
        return (options[...], operands)
    }

    /// Runs async work from the synchronous entry point and waits for its exit code.
    ///
    /// The work runs detached, because main.swift's top-level code is on the main actor and
    /// this thread blocks until the work is done.
    private static func runBlocking(_ work: @escaping @Sendable () async -> Int32) -> Int32 {
        let result = ExitCodeBox()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let code = await work()
            result.code.withLock { $0 = code }
            done.signal()
        }
        done.wait()
        return result.code.withLock { $0 }
    }

    private final class ExitCodeBox: Sendable {
        let code = Mutex<Int32>(ExitCode.usage.rawValue)
    }
}

import FPSClient
import Foundation

/// `fps-checkout verify-return URI`: checks a CBUI return URI as the console does before it
/// charges, and with `--remote` also calls the endpoint's VerifySignature action.
enum VerifyReturnCommand {
    static let options: [OptionSpec] = [
        OptionSpec(name: "caller-reference", valueName: "REF", help: "The order reference the URI must carry (the one given to cbui-url)."),
        OptionSpec(name: "reserve", valueName: nil, help: "Require a credit-card authorization (status SC), as Reserve needs."),
        OptionSpec(name: "remote", valueName: nil, help: "Also call the endpoint's VerifySignature action; both checks must pass."),
    ] + ScriptOptions.endpoint + ScriptOptions.api + ScriptOptions.output

    static let subcommand = ScriptSubcommand(
        name: "verify-return",
        summary: "Verify a CBUI return URI and print the authorized token.",
        operands: "URI",
        options: options,
        details: """
        URI is the whole address the customer's browser was sent back to; quote it, because it
        contains `&`. Give `-` to read it from stdin.

        The local check parses the URI, compares callerReference, fetches the certificate from
        an allow-listed address (Amazon's hosts, or /fps/certs/ on a loopback endpoint), verifies
        the RSA-SHA1 signature, and requires a success status (SA, SB or SC) and a tokenID.

        Prints verified, tokenId (in full, for pay or reserve), cbuiStatus, statusMeaning,
        callerReference, expiry and remoteVerification. A rejected URI adds error {code, message}:
        exit 1 when the URI is wrong, exit 3 when the certificate could not be fetched or read.
        """,
        run: run)

    static func run(_ invocation: ScriptInvocation) async throws(ArgumentError) -> ExitCode {
        let arguments = invocation.arguments
        let output = invocation.output
        let rawURI = try returnURIText(invocation.operands)
        let callerReference = try ScriptOptions.required("caller-reference", in: arguments, hint: "give the reference the URL was built with.")
        let endpoint = try ScriptOptions.externalEndpoint(arguments, environment: invocation.environment)
        let transport = try ScriptOptions.transport(arguments, secretKey: endpoint.credentials.secretKey)

        let verifier = ReturnURIVerifier(certificateAllowList: endpoint.endpoints.certificateAllowList, transport: transport)
        let local = await verifier.authorize(rawURI, expectedCallerReference: callerReference, requireCard: arguments.has("reserve"))

        var remote: Result<VerifySignatureResult, FPSError>?
        if arguments.has("remote") {
            let client = try ScriptOptions.apiClient(arguments, endpoint: endpoint)
            let parts = remoteParameters(rawURI)
            do {
                remote = .success(try await client.verifySignature(urlEndPoint: parts.endpoint, httpParameters: parts.query))
            } catch {
                remote = .failure(error)
            }
        }

        var fields: [ScriptOutput.Field] = []
        var exitCode = ExitCode.success
        var errorObject: [String: Any]?
        switch local {
        case .success(let authorization):
            fields = [
                ("tokenId", authorization.tokenID),
                ("cbuiStatus", authorization.status.rawValue),
                ("statusMeaning", authorization.status.meaning),
                ("callerReference", authorization.callerReference),
                ("expiry", authorization.expiry),
            ]
        case .failure(let refusal):
            // A certificate that could not be fetched or read is worth retrying; every other refusal is final.
            let retryable = refusal.kind == .couldNotVerify
            exitCode = retryable ? .retryable : .rejected
            errorObject = ScriptOutput.errorObject(code: refusal.kind.rawValue, message: refusal.message, retryable: retryable)
            fields = [("tokenId", nil), ("cbuiStatus", nil), ("statusMeaning", nil), ("callerReference", callerReference), ("expiry", nil)]
            output.message("The return URI was rejected: \(refusal.message)")
        }

        switch remote {
        case nil:
            fields.append(("remoteVerification", nil))
        case .success(let result):
            fields.append(("remoteVerification", result.verificationStatus))
            if !result.isVerified && exitCode == .success {
                exitCode = .rejected
                errorObject = ScriptOutput.errorObject(
                    code: "RemoteVerificationFailed",
                    message: "VerifySignature returned \(result.verificationStatus): the endpoint does not confirm the signature.",
                    retryable: false, requestID: result.requestID)
                output.message("VerifySignature returned \(result.verificationStatus), so the return URI is not trusted.")
            }
        case .failure(let error):
            fields.append(("remoteVerification", nil))
            if exitCode == .success {
                exitCode = ExitCode.forError(error)
                errorObject = ScriptOutput.errorObject(error)
                output.message("VerifySignature failed: \(error.description)")
            }
        }

        fields.insert(("verified", exitCode == .success), at: 0)
        if let errorObject { fields.append(("error", errorObject)) }
        output.print(fields)
        return exitCode
    }

    /// Reads the URI from the one operand, or from stdin for `-`.
    private static func returnURIText(_ operands: [String]) throws(ArgumentError) -> String {
        guard let operand = operands.first else {
            throw ArgumentError(description: "Missing URI: give the return URI as the first argument (quoted), or `-` to read it from stdin.")
        }
        guard operands.count == 1 else {
            throw ArgumentError(description: "Expected one URI but got \(operands.count) arguments. Quote the return URI, because it contains `&`.")
        }
        guard operand == "-" else { return operand }
        let input = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: input, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ArgumentError(description: "No return URI on stdin: pipe the URI in, or give it as the argument.")
        }
        return text
    }

    /// Splits the URI into VerifySignature's `UrlEndPoint` (without query) and `HttpParameters`
    /// (the raw query exactly as received, fragment removed).
    static func remoteParameters(_ rawURI: String) -> (endpoint: String, query: String) {
        let trimmed = rawURI.trimmingCharacters(in: .whitespacesAndNewlines)
        let withoutFragment = trimmed.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let halves = withoutFragment.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(halves[0]), halves.count > 1 ? String(halves[1]) : "")
    }
}

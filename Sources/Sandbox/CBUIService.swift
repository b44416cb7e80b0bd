import Foundation
import FPSClient

/// The merchant's `returnURL`, checked and split into what the return signature covers.
struct ReturnURL: Sendable {
    /// Parameters the return adds. The merchant's own query must not contain them, because the
    /// returned URL would then repeat a name and no verifier could read it.
    static let returnParameterNames: Set<String> = [
        "tokenID", "status", "callerReference", "expiry", "errorMessage",
        "signatureMethod", "signatureVersion", "certificateUrl", "signature",
    ]

    let original: String
    /// Lower-case host with `:port` unless the port is absent, 80 or 443, as FPS signs it.
    let hostLine: String
    /// The decoded path, `/` when empty.
    let path: String
    let queryParameters: [QueryParameter]

    /// Returns the parsed URL, or a sentence naming why it cannot take a return redirect.
    static func parse(_ text: String?) -> Result<ReturnURL, CBUIPageError> {
        guard let text, !text.isEmpty else {
            return .failure(CBUIPageError(status: 400, title: "returnURL is missing",
                                          detail: "The pipeline URL has no returnURL parameter, so the sandbox cannot send the buyer back to the merchant. Add an absolute http or https returnURL and sign the URL again."))
        }
        func unusable(_ reason: String) -> Result<ReturnURL, CBUIPageError> {
            .failure(CBUIPageError(status: 400, title: "returnURL is not usable",
                                   detail: "The returnURL \(APIRequest.quoted(text)) \(reason)"))
        }
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { return unusable("is not an absolute http or https URL.") }
        if components.fragment != nil {
            return unusable("has a #fragment; the return parameters must go in the query, so remove the fragment.")
        }
        let parameters: [QueryParameter]
        do {
            parameters = try QueryString.parse((components.percentEncodedQuery ?? "")[...])
        } catch {
            return unusable("has a query the sandbox cannot read: \(error.description)")
        }
        if let clash = parameters.first(where: { returnParameterNames.contains($0.name) }) {
            return unusable("already has a \(clash.name) parameter, which the return adds itself. Rename the merchant parameter.")
        }
        var hostLine = host.lowercased()
        if let port = components.port, port != 80, port != 443 { hostLine += ":\(port)" }
        let path = components.path.isEmpty ? "/" : components.path
        return .success(ReturnURL(original: text, hostLine: hostLine, path: path, queryParameters: parameters))
    }
}

/// A CBUI problem reported on an HTML page, because there is no usable returnURL to redirect to.
struct CBUIPageError: Error, Sendable {
    let status: Int
    let title: String
    let detail: String
}

/// A CBUI request problem reported to the merchant as a `status=CE` return.
struct CBUICallerError: Error, Sendable {
    let message: String
}

/// The Co-Branded UI: the SingleUse pipeline page, the buyer's decision and the signed return.
final class CBUIService: Sendable {
    static let startPath = "/cobranded-ui/actions/start"
    static let decidePath = "/cobranded-ui/actions/decide"
    /// SingleUse tokens expire 3 hours after they are minted, as FPS documented.
    static let tokenLifetime: TimeInterval = 3 * 3600

    let store: SandboxStore
    let identity: SigningIdentity
    let clock: @Sendable () -> Date
    let log: @Sendable (String) -> Void
    let port: @Sendable () -> UInt16
    let certificateURL: @Sendable () -> String

    init(store: SandboxStore, identity: SigningIdentity, clock: @escaping @Sendable () -> Date,
         log: @escaping @Sendable (String) -> Void, port: @escaping @Sendable () -> UInt16,
         certificateURL: @escaping @Sendable () -> String) {
        self.store = store
        self.identity = identity
        self.clock = clock
        self.log = log
        self.port = port
        self.certificateURL = certificateURL
    }

    // MARK: Start

    /// Handles `GET /cobranded-ui/actions/start`: checks the signed request and shows the authorization page.
    func start(_ http: ServerRequest) -> ServerResponse {
        guard http.method == "GET" else {
            return CBUIPages.error(CBUIPageError(status: 405, title: "Method not allowed",
                                                detail: "The pipeline start page takes GET requests only."))
        }
        let parameters: [QueryParameter]
        do {
            parameters = try QueryString.parse(http.rawQuery[...])
        } catch {
            return CBUIPages.error(CBUIPageError(status: 400, title: "The pipeline URL cannot be read", detail: error.description))
        }
        var values: [String: String] = [:]
        for parameter in parameters { values[parameter.name] = parameter.value }

        let returnURL: ReturnURL
        switch ReturnURL.parse(values["returnURL"]) {
        case .success(let parsed): returnURL = parsed
        case .failure(let problem): return CBUIPages.error(problem)
        }

        do {
            let record = try validate(http, parameters: parameters, values: values)
            try store.insert(record)
            return CBUIPages.authorization(record)
        } catch let error as CBUICallerError {
            log("sandbox CBUI request rejected with status CE: \(error.message)")
            return returnRedirect(to: returnURL, status: .callerException, callerReference: values["callerReference"] ?? "",
                                  token: nil, errorMessage: error.message)
        } catch {
            log("sandbox CBUI start failed: \(error)")
            return CBUIPages.error(CBUIPageError(status: 500, title: "Internal error",
                                                detail: "The sandbox could not store the request. Check its log and try again."))
        }
    }

    /// Checks the caller key, the signature and the SingleUse parameters, in that order.
    private func validate(_ http: ServerRequest, parameters: [QueryParameter], values: [String: String]) throws -> CBUIRequestRecord {
        func value(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }

        guard let callerKey = value("callerKey") else { throw CBUICallerError(message: "callerKey is missing.") }
        guard let secret = try store.secretKey(forCaller: callerKey) else {
            throw CBUICallerError(message: "callerKey \(APIRequest.quoted(callerKey)) is not registered with this sandbox.")
        }
        guard values["signatureVersion"] == "2" else { throw CBUICallerError(message: "signatureVersion must be 2.") }
        guard let method = values["signatureMethod"].flatMap(SignatureMethod.init(rawValue:)) else {
            throw CBUICallerError(message: "signatureMethod must be HmacSHA256 or HmacSHA1.")
        }
        guard let signature = value("signature") else { throw CBUICallerError(message: "signature is missing.") }
        let matched = RequestSignature.matches(
            signature: signature, verb: "GET", hostLines: RequestSignature.hostLines(port: port(), hostHeader: http.host),
            path: Self.startPath, parameters: parameters, signatureName: "signature", secretKey: secret, method: method)
        guard matched else {
            throw CBUICallerError(message: "The signature does not match the request. Check the secret key for callerKey \(callerKey) and that the URL was not changed after signing.")
        }

        guard let callerReference = value("callerReference") else { throw CBUICallerError(message: "callerReference is missing.") }
        guard callerReference.count <= 128 else {
            throw CBUICallerError(message: "callerReference must be at most 128 characters; it has \(callerReference.count).")
        }
        guard let pipeline = value("pipelineName") else { throw CBUICallerError(message: "pipelineName is missing.") }
        guard pipeline == "SingleUse" else {
            throw CBUICallerError(message: "pipelineName \(APIRequest.quoted(pipeline)) is not supported; this sandbox serves SingleUse only.")
        }
        guard let version = value("version") else { throw CBUICallerError(message: "version is missing; use 2009-01-09.") }
        guard version == "2009-01-09" else {
            throw CBUICallerError(message: "version \(APIRequest.quoted(version)) is not supported; use 2009-01-09.")
        }
        let amount = try Self.amount(value("transactionAmount"))
        if let currency = value("currencyCode"), currency != "USD" {
            throw CBUICallerError(message: "currencyCode \(APIRequest.quoted(currency)) is not supported; use USD.")
        }
        let reserve: Bool
        switch value("reserve") {
        case nil, "False": reserve = false
        case "True": reserve = true
        case let other?: throw CBUICallerError(message: "reserve must be True or False; got \(APIRequest.quoted(other)).")
        }
        let offered = try Self.offeredMethods(value("paymentMethod"), reserve: reserve)
        if try store.hasToken(callerKey: callerKey, callerReference: callerReference) {
            throw CBUICallerError(message: "callerReference \(APIRequest.quoted(callerReference)) already has an authorized token. Build a new URL with a new callerReference.")
        }

        return CBUIRequestRecord(
            requestID: try SecureRandom.alphanumeric(32), callerKey: callerKey, callerReference: callerReference,
            amount: amount, reserve: reserve, offeredMethods: offered, returnURL: values["returnURL"] ?? "",
            // Without websiteDescription the page names the caller key, worded so the buyer reads it as a merchant.
            merchantName: value("websiteDescription") ?? "Merchant \(callerKey)", paymentReason: value("paymentReason"),
            createdAt: clock())
    }

    /// Parses `transactionAmount`: digits with an optional point and at most two decimals, from 0.01 to 10,000.00.
    static func amount(_ text: String?) throws -> Money {
        guard let text else { throw CBUICallerError(message: "transactionAmount is missing.") }
        guard isPlainAmount(text), let money = Money.parseWire(text, currency: "USD") else {
            throw CBUICallerError(message: "transactionAmount \(APIRequest.quoted(text)) must be digits with an optional point and at most two decimals, such as 25.01.")
        }
        guard money.minorUnits > 0, money.minorUnits <= Money.maximumMinorUnits else {
            throw CBUICallerError(message: "transactionAmount \(text) must be between 0.01 and 10000.00.")
        }
        return money
    }

    /// True for 1 to 7 ASCII digits, optionally followed by a point and 1 or 2 digits. Checked
    /// byte by byte, because a Regex literal is compiled again on every call, which was about
    /// half the CPU time of the CBUI start page in perf.
    static func isPlainAmount(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let point = bytes.firstIndex(of: UInt8(ascii: "."))
        let whole = bytes[..<(point ?? bytes.count)]
        guard (1...7).contains(whole.count), whole.allSatisfy(isDigit) else { return false }
        guard let point else { return true }
        let fraction = bytes[(point + 1)...]
        return (1...2).contains(fraction.count) && fraction.allSatisfy(isDigit)
    }

    /// Returns the methods to offer: the requested `paymentMethod` list (all by default), cut to
    /// credit cards for a reserve order because Reserve works only on cards.
    static func offeredMethods(_ requested: String?, reserve: Bool) throws -> [PaymentMethod] {
        var methods = PaymentMethod.allCases
        if let requested {
            var chosen: [PaymentMethod] = []
            for name in requested.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard let method = PaymentMethod(rawValue: trimmed) else {
                    throw CBUICallerError(message: "paymentMethod \(APIRequest.quoted(requested)) must be a comma-separated list of ABT, ACH and CC.")
                }
                chosen.append(method)
            }
            methods = PaymentMethod.allCases.filter(chosen.contains)
        }
        return reserve ? methods.filter { $0 == .creditCard } : methods
    }

    // MARK: Decide

    /// Handles `POST /cobranded-ui/actions/decide`: applies the buyer's choice and redirects to the merchant.
    func decide(_ http: ServerRequest) -> ServerResponse {
        guard http.method == "POST" else {
            return CBUIPages.error(CBUIPageError(status: 405, title: "Method not allowed",
                                                detail: "Decisions are sent with the form's POST only."))
        }
        var values: [String: String] = [:]
        do {
            let body = String(decoding: http.body, as: UTF8.self)
            for parameter in try QueryString.parse(body[...]) { values[parameter.name] = parameter.value }
        } catch {
            return CBUIPages.error(CBUIPageError(status: 400, title: "The form cannot be read", detail: error.description))
        }
        let choice: BuyerChoice
        switch values["decision"] {
        case "approve":
            choice = .approve(method: values["paymentMethod"].flatMap(PaymentMethod.init(rawValue:)),
                              testOutcome: values["testOutcome"].flatMap { $0.isEmpty ? nil : CBUIStatus(rawValue: $0) })
            if let outcome = values["testOutcome"], !outcome.isEmpty, CBUIStatus(rawValue: outcome) == nil {
                return CBUIPages.error(CBUIPageError(status: 400, title: "Unknown test outcome",
                                                    detail: "The test outcome \(APIRequest.quoted(outcome)) is not a SingleUse status code."))
            }
        case "decline":
            choice = .decline
        default:
            return CBUIPages.error(CBUIPageError(status: 400, title: "No decision",
                                                detail: "Press Approve or Decline on the payment page."))
        }
        do {
            return try complete(requestID: values["request"] ?? "", choice: choice)
        } catch let problem as CBUIPageError {
            return CBUIPages.error(problem)
        } catch {
            log("sandbox CBUI decision failed: \(error)")
            return CBUIPages.error(CBUIPageError(status: 500, title: "Internal error",
                                                detail: "The sandbox could not record the decision. Check its log and try again."))
        }
    }

    /// The buyer's action on the page.
    enum BuyerChoice: Sendable {
        /// Approve with a payment method; a test outcome, when set, replaces the normal result.
        case approve(method: PaymentMethod?, testOutcome: CBUIStatus?)
        case decline
    }

    /// Records the decision for a pending request and returns the signed redirect to its returnURL.
    func complete(requestID: String, choice: BuyerChoice) throws -> ServerResponse {
        let now = clock()
        let (record, status, token) = try store.database.transaction { () throws -> (CBUIRequestRecord, CBUIStatus, TokenRecord?) in
            guard let record = try store.cbuiRequest(id: requestID) else {
                throw CBUIPageError(status: 404, title: "Payment request not found",
                                    detail: "This payment request does not exist in the sandbox. Start again from the merchant's link.")
            }
            guard record.decidedAt == nil else {
                throw CBUIPageError(status: 409, title: "Payment request already completed",
                                    detail: "This payment request was already answered (\(record.outcome ?? "?")). Start again from the merchant's link for a new authorization.")
            }
            let (status, method) = try Self.outcome(of: choice, for: record)
            var token: TokenRecord?
            if status.isSuccess, let method {
                let minted = TokenRecord(
                    tokenID: try SecureRandom.alphanumeric(64), callerKey: record.callerKey,
                    callerReference: record.callerReference, cbuiRequestID: record.requestID, amount: record.amount,
                    reserve: record.reserve, paymentMethod: method,
                    cardExpiry: method == .creditCard ? Self.cardExpiry(now: now) : nil,
                    createdAt: now, expiresAt: now.addingTimeInterval(Self.tokenLifetime), used: false)
                try store.insert(minted)
                token = minted
            }
            try store.markDecided(requestID: record.requestID, outcome: status, tokenID: token?.tokenID, at: now)
            return (record, status, token)
        }
        guard case .success(let returnURL) = ReturnURL.parse(record.returnURL) else {
            throw CBUIPageError(status: 500, title: "Stored returnURL unusable", detail: "The stored returnURL no longer parses.")
        }
        return returnRedirect(to: returnURL, status: status, callerReference: record.callerReference, token: token,
                              errorMessage: status.isSuccess ? nil : Self.errorMessage(for: status))
    }

    /// Maps the buyer's choice to a status code and, for a success, the payment method of the token.
    static func outcome(of choice: BuyerChoice, for record: CBUIRequestRecord) throws -> (CBUIStatus, PaymentMethod?) {
        switch choice {
        case .decline:
            return (.abandoned, nil)
        case .approve(_, let testOutcome?):
            guard testOutcome.isSuccess else { return (testOutcome, nil) }
            let method = PaymentMethod.allCases.first { $0.successStatus == testOutcome }!
            guard record.offeredMethods.contains(method) else {
                throw CBUIPageError(status: 400, title: "Test outcome not offered",
                                    detail: "\(testOutcome.rawValue) needs payment method \(method.rawValue), which this order does not offer.")
            }
            return (testOutcome, method)
        case .approve(let method, nil):
            // With no acceptable method to offer, the real CBUI ends in a payment-method mismatch.
            if record.offeredMethods.isEmpty { return (.paymentMethodMismatch, nil) }
            guard let method, record.offeredMethods.contains(method) else {
                throw CBUIPageError(status: 400, title: "Choose a payment method",
                                    detail: "Pick one of the offered payment methods and press Approve again.")
            }
            return (method.successStatus, method)
        }
    }

    static func errorMessage(for status: CBUIStatus) -> String {
        switch status {
        case .abandoned: return "The buyer declined the payment authorization."
        case .systemError: return "A system error occurred at the payment service (sandbox test outcome)."
        case .callerException: return "The caller's request was rejected (sandbox test outcome)."
        case .paymentMethodMismatch: return "The buyer has none of the requested payment methods."
        case .notPermitted: return "The buyer's account is not permitted to make this payment (sandbox test outcome)."
        case .notMarketplaceCaller: return "The caller is not registered as a marketplace caller (sandbox test outcome)."
        case .successBalance, .successBank, .successCard: return ""
        }
    }

    /// Returns the test card's expiry as `MM/YYYY`, three years after `now`.
    static func cardExpiry(now: Date) -> String {
        // The UTC year and month by the civil-from-days algorithm (proleptic Gregorian), because
        // a Calendar and String(format:) for every minted token showed up in perf profiles.
        let seconds = Int64((now.timeIntervalSince1970).rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let monthText = month < 10 ? "0\(month)" : "\(month)"
        let yearText = String(year + 3)
        return monthText + "/" + String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
    }

    // MARK: Return redirect

    /// Builds the 302 to `returnURL` with the return parameters, signed with RSA-SHA1 over
    /// `GET`, the return URL's host line and path, and every query parameter but `signature`,
    /// the merchant's own included.
    func returnRedirect(to returnURL: ReturnURL, status: CBUIStatus, callerReference: String, token: TokenRecord?,
                        errorMessage: String?) -> ServerResponse {
        var added: [QueryParameter] = []
        if let token { added.append(QueryParameter("tokenID", token.tokenID)) }
        added.append(QueryParameter("status", status.rawValue))
        added.append(QueryParameter("callerReference", callerReference))
        if let expiry = token?.cardExpiry { added.append(QueryParameter("expiry", expiry)) }
        if let errorMessage { added.append(QueryParameter("errorMessage", errorMessage)) }
        added.append(QueryParameter("signatureMethod", "RSA-SHA1"))
        added.append(QueryParameter("signatureVersion", "2"))
        added.append(QueryParameter("certificateUrl", certificateURL()))

        let message = SignatureV2.stringToSign(verb: "GET", hostLine: returnURL.hostLine, path: returnURL.path,
                                               parameters: returnURL.queryParameters + added, excluding: "signature")
        do {
            added.append(QueryParameter("signature", try identity.signRSASHA1(message)))
        } catch {
            log("sandbox could not sign a return redirect: \(error)")
            return CBUIPages.error(CBUIPageError(status: 500, title: "Signing failed",
                                                detail: "The sandbox could not sign the return. Check its log."))
        }
        let original = returnURL.original
        let separator: String
        if !original.contains("?") {
            separator = "?"
        } else if original.hasSuffix("?") || original.hasSuffix("&") {
            separator = ""
        } else {
            separator = "&"
        }
        return .redirect(to: original + separator + QueryString.encode(added))
    }
}

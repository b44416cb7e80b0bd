import Foundation
import Testing
@testable import FPSClient

@Suite("Signature V2 vectors")
struct SignatureVectorTests {
    static let apiVectors = (try? Fixture.decode(SigV2VectorFile.self, "sigv2_api.json").vectors) ?? []
    static let knownAnswerVectors = (try? Fixture.decode(SigV2VectorFile.self, "sigv2_third_party_kat.json").vectors) ?? []
    static let cbuiVectors = (try? Fixture.decode(CBUIVectorFile.self, "cbui_singleuse.json").vectors) ?? []

    @Test func vectorFilesLoad() {
        #expect(Self.apiVectors.count == 11)
        #expect(Self.knownAnswerVectors.count == 3)
        #expect(Self.cbuiVectors.count == 5)
    }

    @Test("API vector", arguments: apiVectors + knownAnswerVectors)
    func apiVector(_ vector: SigV2VectorFile.Vector) throws {
        let input = vector.input
        let parameters = input.params.queryParameters
        let method = try #require(SignatureMethod(rawValue: input.signature_method))

        if let canonical = vector.expected.canonical_query {
            #expect(SignatureV2.canonicalQuery(parameters, excluding: "Signature") == canonical, "\(vector.id)")
        }
        let stringToSign = SignatureV2.stringToSign(verb: input.verb, hostLine: input.host, path: input.path,
                                                     parameters: parameters, excluding: "Signature")
        #expect(stringToSign == vector.expected.string_to_sign, "\(vector.id)")
        let signature = SignatureV2.sign(stringToSign, secretKey: input.secret_key, method: method)
        #expect(signature == vector.expected.signature, "\(vector.id)")
        if let encoded = vector.expected.signature_param_encoded {
            #expect(PercentEncoding.encode(signature) == encoded, "\(vector.id)")
        }
    }

    @Test("API vector wire query round trip", arguments: apiVectors)
    func apiWireRoundTrip(_ vector: SigV2VectorFile.Vector) throws {
        let wire = try #require(vector.expected.example_wire_query)
        var parameters = dictionary(try QueryString.parse(Substring(wire)))
        #expect(parameters.removeValue(forKey: "Signature") == vector.expected.signature, "\(vector.id)")
        #expect(parameters == vector.input.params, "\(vector.id)")
    }

    @Test("CBUI vector", arguments: cbuiVectors)
    func cbuiVector(_ vector: CBUIVectorFile.Vector) throws {
        let input = vector.input
        let parameters = input.params.queryParameters
        let method = try #require(input.params["signatureMethod"].flatMap(SignatureMethod.init(rawValue:)))

        let stringToSign = SignatureV2.stringToSign(verb: "GET", hostLine: input.host_line, path: input.path,
                                                     parameters: parameters, excluding: "signature")
        #expect(stringToSign == vector.expected.string_to_sign, "\(vector.id)")
        #expect(SignatureV2.sign(stringToSign, secretKey: input.secret_key, method: method) == vector.expected.signature, "\(vector.id)")

        let endpoint = try #require(URL(string: input.cbui_endpoint))
        let url = CBUIPipeline.signedURL(endpoint: endpoint, parameters: parameters, secretKey: input.secret_key, method: method)
        #expect(url == vector.expected.url, "\(vector.id)")
    }

    @Test("CBUI vector URL round trip", arguments: cbuiVectors)
    func cbuiURLRoundTrip(_ vector: CBUIVectorFile.Vector) throws {
        let query = try #require(vector.expected.url.split(separator: "?", maxSplits: 1).last)
        var parameters = dictionary(try QueryString.parse(query))
        #expect(parameters.removeValue(forKey: "signature") == vector.expected.signature, "\(vector.id)")
        #expect(parameters == vector.input.params, "\(vector.id)")
    }

    /// cbui-01 carries no currencyCode or paymentReason, which `singleUseURL` always adds, so
    /// the expected URL is the vector's URL with those two inserted in byte order and the
    /// signature recomputed over the vector's string to sign with the same insertion.
    @Test func singleUseURLMatchesMinimalVector() throws {
        let vector = try #require(Self.cbuiVectors.first { $0.id == "cbui-01-sandbox-minimal" })
        let input = vector.input
        let insertion = ("callerReference=order-1001&pipelineName", "callerReference=order-1001&currencyCode=USD&paymentReason=Tea&pipelineName")
        let stringToSign = vector.expected.string_to_sign.replacingOccurrences(of: insertion.0, with: insertion.1)
        let signature = SignatureV2.sign(stringToSign, secretKey: input.secret_key, method: .hmacSHA256)
        let unsignedURL = try #require(vector.expected.url.components(separatedBy: "&signature=").first)
        let expected = unsignedURL.replacingOccurrences(of: insertion.0, with: insertion.1) + "&signature=" + PercentEncoding.encode(signature)

        let credentials = FPSCredentials(accessKeyID: input.access_key, secretKey: input.secret_key)
        let url = CBUIPipeline.singleUseURL(
            endpoint: URL(string: input.cbui_endpoint)!, credentials: credentials, callerReference: "order-1001",
            returnURL: "https://shop.example.com/fps/return", amount: Money(minorUnits: 1250), paymentReason: "Tea", reserve: false)
        #expect(url == expected)
    }

    /// cbui-02 is a reserve order with currencyCode and paymentReason; only its
    /// `paymentMethod` (`CC,ACH,ABT`) differs from the `CC` a reserve URL sends.
    @Test func singleUseURLReserveMatchesVectorParameters() throws {
        let vector = try #require(Self.cbuiVectors.first { $0.id == "cbui-02-sandbox-reserve-unicode" })
        let input = vector.input
        let credentials = FPSCredentials(accessKeyID: input.access_key, secretKey: input.secret_key)
        let url = CBUIPipeline.singleUseURL(
            endpoint: URL(string: input.cbui_endpoint)!, credentials: credentials, callerReference: "order-1002",
            returnURL: "https://shop.example.com/fps/return", amount: Money(minorUnits: 1999),
            paymentReason: "Café order – 2 × 日本茶", reserve: true)

        let query = try #require(url.split(separator: "?", maxSplits: 1).last)
        var parameters = dictionary(try QueryString.parse(query))
        let removed = parameters.removeValue(forKey: "signature")
        let signature = try #require(removed)
        var expected = input.params
        expected["paymentMethod"] = "CC"
        #expect(parameters == expected)

        let stringToSign = vector.expected.string_to_sign.replacingOccurrences(of: "paymentMethod=CC%2CACH%2CABT", with: "paymentMethod=CC")
        #expect(signature == SignatureV2.sign(stringToSign, secretKey: input.secret_key, method: .hmacSHA256))
        #expect(url.hasSuffix("&signature=" + PercentEncoding.encode(signature)))
    }

    /// cbui-04 is the local sandbox on a non-default port with HmacSHA1; its paymentMethod
    /// is `CC` because it is a card-only order, which `singleUseURL` sends only with reserve.
    @Test func singleUseURLKeepsNonDefaultPortInHostLine() throws {
        let vector = try #require(Self.cbuiVectors.first { $0.id == "cbui-04-local-sandbox-hmacsha1" })
        let input = vector.input
        let credentials = FPSCredentials(accessKeyID: input.access_key, secretKey: input.secret_key)
        let url = CBUIPipeline.singleUseURL(
            endpoint: URL(string: input.cbui_endpoint)!, credentials: credentials, callerReference: "term-7-0004",
            returnURL: "http://127.0.0.1:8080/fps/return", amount: Money(minorUnits: 300),
            paymentReason: "Terminal 7 sale #4", reserve: true, signatureMethod: .hmacSHA1)

        let query = try #require(url.split(separator: "?", maxSplits: 1).last)
        var parameters = dictionary(try QueryString.parse(query))
        let removed = parameters.removeValue(forKey: "signature")
        let signature = try #require(removed)
        var expected = input.params
        expected["currencyCode"] = "USD"
        expected["reserve"] = "True"
        #expect(parameters == expected)
        // Host line taken from the vector (127.0.0.1:8443), not from the code under test.
        let stringToSign = SignatureV2.stringToSign(verb: "GET", hostLine: input.host_line, path: input.path,
                                                     parameters: expected.queryParameters, excluding: "signature")
        #expect(signature == SignatureV2.sign(stringToSign, secretKey: input.secret_key, method: .hmacSHA1))
        #expect(url.hasPrefix(input.cbui_endpoint + "?callerKey="))
    }

    /// `singleUseURL` writes its parameters in a fixed order without sorting. Every branch must
    /// give the URL that the sorting signer builds from the same list: reserve, empty reason,
    /// SHA-1, upper-case and non-ASCII hosts, encoded paths and a query in the endpoint.
    @Test func singleUseURLMatchesSortingSigner() throws {
        let endpoints = [
            "https://authorize.payments-sandbox.amazon.com/cobranded-ui/actions/start",
            "http://127.0.0.1:8080/cobranded-ui/actions/start",
            "https://Authorize.Example.COM:8443/a path/ünï/start",
            "https://bücher.example/start",
            "https://example.com/start?partner=a b&zeta=1",
        ]
        let credentials = FPSCredentials(accessKeyID: "AKIA+TEST/KEY=", secretKey: "secret key ✓")
        for endpointText in endpoints {
            let endpoint = try #require(URL(string: endpointText))
            for reserve in [false, true] {
                for reason in ["", "Café order – 2 × 日本茶", "a&b=c+d~e"] {
                    for method in SignatureMethod.allCases {
                        let amount = Money(minorUnits: 1999, currency: "EUR")
                        let url = CBUIPipeline.singleUseURL(
                            endpoint: endpoint, credentials: credentials, callerReference: "ref 1/2",
                            returnURL: "https://shop.example.com/return?x=1", amount: amount,
                            paymentReason: reason, reserve: reserve, signatureMethod: method)

                        var parameters = [
                            QueryParameter("callerKey", credentials.accessKeyID),
                            QueryParameter("callerReference", "ref 1/2"),
                            QueryParameter("pipelineName", "SingleUse"),
                            QueryParameter("returnURL", "https://shop.example.com/return?x=1"),
                            QueryParameter("transactionAmount", amount.decimalString),
                            QueryParameter("currencyCode", "EUR"),
                            QueryParameter("version", CBUIPipeline.version),
                            QueryParameter("signatureMethod", method.rawValue),
                            QueryParameter("signatureVersion", "2"),
                        ]
                        if !reason.isEmpty { parameters.append(QueryParameter("paymentReason", reason)) }
                        if reserve {
                            parameters.append(QueryParameter("reserve", "True"))
                            parameters.append(QueryParameter("paymentMethod", "CC"))
                        }
                        let expected = CBUIPipeline.signedURL(endpoint: endpoint, parameters: parameters,
                                                              secretKey: credentials.secretKey, method: method)
                        #expect(url == expected, "\(endpointText) reserve=\(reserve) reason=\(reason) \(method)")
                    }
                }
            }
        }
    }

    @Test func bothCaptureRequestsVerifyOnlyWithPortlessHost() throws {
        let capture = try Fixture.decode(BotoCaptureFile.self, "boto_wire_capture.json")
        #expect(capture.requests.count == 2)
        for request in capture.requests {
            let raw = request.method == "POST" ? Substring(request.body) : try #require(request.request_target.split(separator: "?", maxSplits: 1).last)
            var parameters = try QueryString.parse(raw)
            let signatureIndex = try #require(parameters.firstIndex { $0.name == "Signature" })
            let signature = parameters.remove(at: signatureIndex).value
            let method = try #require(dictionary(parameters)["SignatureMethod"].flatMap(SignatureMethod.init(rawValue:)))
            #expect(request.headers["Host"] == "127.0.0.1")
            for (hostLine, expectedValid) in request.signature_valid_with_host_line {
                let stringToSign = SignatureV2.stringToSign(verb: request.method, hostLine: hostLine, path: "/",
                                                             parameters: parameters, excluding: "Signature")
                let computed = SignatureV2.sign(stringToSign, secretKey: request.secret_key, method: method)
                #expect(SignatureV2.constantTimeEquals(computed, signature) == expectedValid, "\(request.method) with host line \(hostLine)")
            }
        }
    }
}

extension SigV2VectorFile.Vector: CustomTestStringConvertible {
    var testDescription: String { id }
}

extension CBUIVectorFile.Vector: CustomTestStringConvertible {
    var testDescription: String { id }
}

import Foundation
import Synchronization
import Testing
@testable import FPSClient
#if canImport(Glibc)
import Glibc
#endif

/// A one-request-per-connection HTTP server on 127.0.0.1 with an ephemeral port, enough to
/// watch what URLSessionTransport really puts on the wire.
final class LoopbackServer: Sendable {
    struct Received: Sendable {
        let head: String
        let body: Data
        var requestLine: String { head.components(separatedBy: "\r\n").first ?? "" }
        func header(_ name: String) -> String? {
            for line in head.components(separatedBy: "\r\n").dropFirst() {
                let pair = line.split(separator: ":", maxSplits: 1)
                if pair.count == 2, pair[0].lowercased() == name.lowercased() {
                    return pair[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    let port: Int
    private let listener: Int32
    private let received = Mutex<[Received]>([])
    private let respond: @Sendable (Received, Int) -> String

    /// `respond` returns the whole raw HTTP response for a request and the server's port.
    init(respond: @escaping @Sendable (Received, Int) -> String) throws {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socketDescriptor >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        try #require(listen(socketDescriptor, 8) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        listener = socketDescriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        self.respond = respond
        Thread.detachNewThread { [self] in serve() }
    }

    var requests: [Received] { received.withLock { $0 } }

    /// Closing the listener makes `accept` fail, which ends the serving thread.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let separator = Data("\r\n\r\n".utf8)
        while true {
            if let end = buffer.range(of: separator) {
                let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                let partial = Received(head: head, body: Data())
                let expected = Int(partial.header("Content-Length") ?? "0") ?? 0
                if buffer.count - end.upperBound >= expected {
                    let request = Received(head: head, body: Data(buffer[end.upperBound..<(end.upperBound + expected)]))
                    received.withLock { $0.append(request) }
                    let reply = Array(respond(request, port).utf8)
                    _ = reply.withUnsafeBufferPointer { send(connection, $0.baseAddress, $0.count, 0) }
                    return
                }
            }
            let count = recv(connection, &chunk, chunk.count, 0)
            if count <= 0 { return }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }
}

func rawResponse(_ status: String, _ headers: [String] = [], body: String = "") -> String {
    (["HTTP/1.1 \(status)", "Content-Length: \(body.utf8.count)", "Connection: close"] + headers).joined(separator: "\r\n") + "\r\n\r\n" + body
}

@Suite("URLSessionTransport on loopback", .serialized)
struct URLSessionTransportTests {
    @Test func signedPostCarriesHostWithPort() async throws {
        let xml = try String(contentsOf: Fixture.url("xml/GetTransactionStatus.Success.xml"), encoding: .utf8)
        let server = try LoopbackServer { _, _ in rawResponse("200 OK", ["Content-Type: text/xml"], body: xml) }
        defer { server.stop() }
        let client = FPSAPIClient(endpoint: URL(string: "http://127.0.0.1:\(server.port)/")!,
                                  credentials: FPSCredentials(accessKeyID: "AKIDFPSSANDBOX000001", secretKey: "sandbox/secret+key=with~odd*chars"),
                                  transport: URLSessionTransport(timeoutSeconds: 5))
        let result = try await client.getTransactionStatus(transactionID: "SANDBOX-TXN-0001")
        #expect(result.status == .success)

        let request = try #require(server.requests.first)
        #expect(request.requestLine == "POST / HTTP/1.1")
        // The signer's host line assumes URLSession sends `host:port`; this checks it does.
        #expect(request.header("Host") == "127.0.0.1:\(server.port)")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
        var sent = dictionary(try QueryString.parse(Substring(String(decoding: request.body, as: UTF8.self))))
        let signature = sent.removeValue(forKey: "Signature")
        let stringToSign = SignatureV2.stringToSign(verb: "POST", hostLine: "127.0.0.1:\(server.port)", path: "/",
                                                     parameters: sent.queryParameters, excluding: "Signature")
        #expect(signature == SignatureV2.sign(stringToSign, secretKey: "sandbox/secret+key=with~odd*chars", method: .hmacSHA256))
    }

    @Test func getSendsSignedQuery() async throws {
        let xml = try String(contentsOf: Fixture.url("xml/GetTransactionStatus.Success.xml"), encoding: .utf8)
        let server = try LoopbackServer { _, _ in rawResponse("200 OK", ["Content-Type: text/xml"], body: xml) }
        defer { server.stop() }
        let client = FPSAPIClient(endpoint: URL(string: "http://127.0.0.1:\(server.port)/")!,
                                  credentials: FPSCredentials(accessKeyID: "AKID", secretKey: "secret"),
                                  transport: URLSessionTransport(timeoutSeconds: 5), httpMethod: .get)
        _ = try await client.getTransactionStatus(transactionID: "T 1")
        let request = try #require(server.requests.first)
        #expect(request.requestLine.hasPrefix("GET /?AWSAccessKeyId=AKID&Action=GetTransactionStatus&"))
        #expect(request.requestLine.contains("TransactionId=T%201&"))
    }

    @Test func redirectIsNotFollowed() async throws {
        let server = try LoopbackServer { request, port in
            request.requestLine.hasPrefix("GET /moved")
                ? rawResponse("302 Found", ["Location: http://127.0.0.1:\(port)/elsewhere"])
                : rawResponse("200 OK", body: "elsewhere")
        }
        defer { server.stop() }
        let response = try await URLSessionTransport(timeoutSeconds: 5).send(
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(server.port)/moved")!, headers: [:], body: nil))
        #expect(response.status == 302)
        #expect(server.requests.count == 1)
    }

    @Test func errorStatusIsReturnedNotThrown() async throws {
        let server = try LoopbackServer { _, _ in rawResponse("503 Service Unavailable", body: "<html>busy</html>") }
        defer { server.stop() }
        let response = try await URLSessionTransport(timeoutSeconds: 5).send(
            HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(server.port)/")!, headers: [:], body: nil))
        #expect(response.status == 503)
        #expect(String(decoding: response.body, as: UTF8.self) == "<html>busy</html>")
    }

    @Test func refusedConnectionIsTransportError() async throws {
        // Bind a port, then close it, so nothing listens there.
        let server = try LoopbackServer { _, _ in rawResponse("200 OK") }
        let port = server.port
        server.stop()
        do {
            _ = try await URLSessionTransport(timeoutSeconds: 2).send(
                HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/")!, headers: [:], body: nil))
            Issue.record("expected a transport error")
        } catch {
            guard case .transport(let message) = error else {
                Issue.record("expected transport, got \(error)")
                return
            }
            #expect(message.contains("127.0.0.1:\(port)"))
            #expect(error.isRetryable)
        }
    }
}

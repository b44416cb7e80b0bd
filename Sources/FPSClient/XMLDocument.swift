import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One element of a parsed FPS response: namespace, local name, direct text and children.
public struct FPSXMLElement: Sendable, Equatable {
    /// The namespace URI, nil for elements in no namespace (FPS error documents).
    public var namespace: String?
    public var name: String
    /// The element's own character data, untrimmed.
    public var text: String
    public var children: [FPSXMLElement]

    public init(namespace: String?, name: String, text: String = "", children: [FPSXMLElement] = []) {
        self.namespace = namespace
        self.name = name
        self.text = text
        self.children = children
    }

    /// Returns the first child with local name `name`, whatever its namespace.
    public func child(_ name: String) -> FPSXMLElement? {
        children.first { $0.name == name }
    }

    /// Returns the element reached by following local names from this one.
    public func element(at path: [String]) -> FPSXMLElement? {
        var current = self
        for name in path {
            guard let next = current.child(name) else { return nil }
            current = next
        }
        return current
    }

    /// Returns the trimmed text at `path`, or nil when the element is missing or empty, so
    /// that `<StatusCode/>` and whitespace-only content both read as absent.
    public func value(at path: String...) -> String? {
        guard let text = element(at: path)?.text.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            return nil
        }
        return text
    }
}

/// Parses FPS response bodies with Foundation's namespace-aware `XMLParser`.
public enum FPSXML {
    /// Maximum document size accepted. The FPS responses in the samples are under 1 KiB.
    public static let maximumDocumentBytes = 1 << 20
    /// Maximum element depth accepted. FPS documents are at most four levels deep.
    public static let maximumDepth = 32

    /// Parses `data` into its root element, or returns why it is not a well-formed document.
    public static func parse(_ data: Data) -> Result<FPSXMLElement, XMLParseFailure> {
        guard data.count <= maximumDocumentBytes else {
            return .failure(XMLParseFailure(detail: "the document is \(data.count) bytes, above the \(maximumDocumentBytes)-byte limit"))
        }
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let finished = parser.parse()

        // XMLParser can return true on malformed input such as `<a><b></a>`, so the error,
        // the depth and the root are all checked here.
        if let detail = builder.failure {
            return .failure(XMLParseFailure(detail: detail))
        }
        if let error = parser.parserError {
            return .failure(XMLParseFailure(detail: "line \(parser.lineNumber): \(error.localizedDescription)"))
        }
        guard finished else { return .failure(XMLParseFailure(detail: "the parser stopped at line \(parser.lineNumber)")) }
        guard builder.stack.isEmpty, let root = builder.root else {
            return .failure(XMLParseFailure(detail: "the document is empty or ends inside an element"))
        }
        return .success(root)
    }
}

/// The reason a body is not a well-formed XML document.
public struct XMLParseFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let detail: String
    public var description: String { detail }
}

/// Collects `XMLParser` events into `FPSXMLElement`s. Used by one parse on one thread.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [FPSXMLElement] = []
    var root: FPSXMLElement?
    var failure: String?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        if root != nil {
            fail(parser, "a second root element <\(elementName)> follows the first")
            return
        }
        if stack.count >= FPSXML.maximumDepth {
            fail(parser, "elements are nested more than \(FPSXML.maximumDepth) levels deep")
            return
        }
        let namespace = namespaceURI.flatMap { $0.isEmpty ? nil : $0 }
        stack.append(FPSXMLElement(namespace: namespace, name: localName(elementName), text: ""))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard let finished = stack.popLast() else {
            fail(parser, "the closing tag </\(elementName)> has no opening tag")
            return
        }
        guard finished.name == localName(elementName) else {
            fail(parser, "the closing tag </\(elementName)> does not match <\(finished.name)>")
            return
        }
        if stack.isEmpty {
            root = finished
        } else {
            stack[stack.count - 1].children.append(finished)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
    }

    /// Some XMLParser builds report `prefix:name` even with namespace processing on.
    private func localName(_ name: String) -> String {
        name.split(separator: ":").last.map(String.init) ?? name
    }

    private func fail(_ parser: XMLParser, _ detail: String) {
        if failure == nil { failure = "line \(parser.lineNumber): \(detail)" }
        parser.abortParsing()
    }
}

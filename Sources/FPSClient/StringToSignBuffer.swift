import Foundation

/// A SigV2 string to sign assembled as bytes in a temporary buffer, with spare room after it
/// for the `&Signature=...` pair that goes on the wire.
///
/// Signing is string assembly around one HMAC, and building each encoded name and value as
/// its own String cost several times the HMAC. Here every parameter is copied once into a
/// scratch area, sorted by index, and percent-encoded straight into one buffer, so a signature
/// needs no heap allocation before the caller builds its result.
struct StringToSignBuffer {
    /// Start of the buffer; valid only inside `StringToSignBuffer.with`.
    let start: UnsafeMutablePointer<UInt8>
    let capacity: Int
    /// Bytes written so far: the string to sign, then whatever the caller appended.
    private(set) var count: Int
    /// Offset of the canonical query, after the verb, host and path lines.
    let queryStart: Int
    /// Length of the string to sign itself, before anything was appended.
    let messageCount: Int

    /// The string to sign: verb, host line, path and canonical query joined by LF.
    var message: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: messageCount) }

    /// Everything from the canonical query on, including what was appended after it.
    var queryAndAppended: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start + queryStart, count: count - queryStart) }

    /// Room `with` leaves for `&Signature=` and a percent-encoded base64 HMAC of up to
    /// `EVP_MAX_MD_SIZE` (64) bytes, which is 88 base64 characters and at most 3 bytes each.
    static let signatureRoom = 16 + 88 * 3

    /// Appends ASCII `text` as it is.
    mutating func append(_ text: StaticString) {
        precondition(count + text.utf8CodeUnitCount <= capacity, "StringToSignBuffer overflow")
        (start + count).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        count += text.utf8CodeUnitCount
    }

    /// Appends `bytes` percent-encoded as SigV2 requires.
    mutating func appendEncoded(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(count + bytes.count * 3 <= capacity, "StringToSignBuffer overflow")
        count = Self.encode(bytes, into: start, at: count)
    }

    /// Sorting and encoding state for one parameter, as offsets into the scratch copy.
    private struct Span {
        var nameStart: Int
        var nameCount: Int
        var valueStart: Int
        var valueCount: Int
    }

    /// Builds the string to sign for `verb`, `hostLine` (lower-cased here) and the decoded
    /// `path`, with the canonical query of every parameter in `first` and `second` except
    /// those named `excluding`, and calls `body` with it. The buffer lives only for the call.
    ///
    /// Parameters are ordered by the UTF-8 bytes of their names. The sort is stable, so
    /// repeated names keep their given order, as the array sort used before did for the
    /// handful of parameters a request carries.
    static func with<Result>(verb: String, hostLine: String, path: String,
                             _ first: [QueryParameter], _ second: [QueryParameter] = [], excluding: String,
                             _ body: (inout StringToSignBuffer) -> Result) -> Result {
        var rawCount = 0
        for parameter in first { rawCount += parameter.name.utf8.count + parameter.value.utf8.count }
        for parameter in second { rawCount += parameter.name.utf8.count + parameter.value.utf8.count }
        let parameterCount = first.count + second.count

        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(rawCount, 1)) { raw in
            withUnsafeTemporaryAllocation(of: Span.self, capacity: max(parameterCount, 1)) { spans in
                var excluded = excluding
                let kept = excluded.withUTF8 { excludedName in
                    var cursor = 0
                    var kept = 0
                    func add(_ list: [QueryParameter]) {
                        for parameter in list {
                            let name = copy(parameter.name, into: raw, at: &cursor)
                            if name.count == excludedName.count
                                && (name.isEmpty || memcmp(raw.baseAddress! + name.lowerBound, excludedName.baseAddress!, name.count) == 0) {
                                cursor = name.lowerBound
                                continue
                            }
                            let value = copy(parameter.value, into: raw, at: &cursor)
                            spans.initializeElement(at: kept, to: Span(nameStart: name.lowerBound, nameCount: name.count,
                                                                       valueStart: value.lowerBound, valueCount: value.count))
                            kept += 1
                        }
                    }
                    add(first)
                    add(second)
                    return kept
                }
                let ordered = UnsafeMutableBufferPointer(rebasing: spans[0..<kept])
                sortByName(ordered, raw: UnsafePointer(raw.baseAddress!))

                var host = hostLine
                let hostIsASCII = host.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 } }
                if !hostIsASCII { host = hostLine.lowercased() }
                let encodedPath = SignatureV2.canonicalPath(path)
                let headerCount = verb.utf8.count + host.utf8.count + encodedPath.utf8.count + 3
                let capacity = headerCount + rawCount * 3 + kept * 2 + signatureRoom

                return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { output in
                    let start = output.baseAddress!
                    var position = 0
                    position = appendRaw(verb, into: start, at: position)
                    start[position] = UInt8(ascii: "\n")
                    position += 1
                    // ASCII host lines, the usual case, are lower-cased byte by byte; others went
                    // through String.lowercased() above.
                    position = appendRaw(host, into: start, at: position, lowercasingASCII: hostIsASCII)
                    start[position] = UInt8(ascii: "\n")
                    position += 1
                    position = appendRaw(encodedPath, into: start, at: position)
                    start[position] = UInt8(ascii: "\n")
                    position += 1

                    let queryStart = position
                    for index in 0..<ordered.count {
                        if index > 0 {
                            start[position] = UInt8(ascii: "&")
                            position += 1
                        }
                        let span = ordered[index]
                        position = encode(UnsafeBufferPointer(start: raw.baseAddress! + span.nameStart, count: span.nameCount),
                                          into: start, at: position)
                        start[position] = UInt8(ascii: "=")
                        position += 1
                        position = encode(UnsafeBufferPointer(start: raw.baseAddress! + span.valueStart, count: span.valueCount),
                                          into: start, at: position)
                    }
                    var buffer = StringToSignBuffer(start: start, capacity: capacity, count: position,
                                                    queryStart: queryStart, messageCount: position)
                    return body(&buffer)
                }
            }
        }
    }

    /// Builds the string to sign from `header` (the verb, host and path lines, each ending in
    /// LF, as they are signed), the `supplied` parameters and the `fixed` ones, and calls
    /// `body` with it. The buffer lives only for the call.
    ///
    /// Fixed pair `i` is `fixedPairs[fixedPairEnds[i - 1]..<fixedPairEnds[i]]` (from 0 for the
    /// first): its name, `=` and its value, already percent-encoded, so the caller can encode
    /// values that rarely change once and reuse the bytes.
    ///
    /// Only `supplied` is sorted, stably and by the UTF-8 bytes of the names. The `fixed` names
    /// must be unreserved ASCII, already in byte order, and must differ from every supplied
    /// name, so that merging the two lists gives the order `with` would.
    static func with<Result>(header: UnsafeBufferPointer<UInt8>, supplied: [QueryParameter],
                             fixedNames: [StaticString], fixedPairs: UnsafeBufferPointer<UInt8>,
                             fixedPairEnds: UnsafeBufferPointer<Int>,
                             _ body: (inout StringToSignBuffer) -> Result) -> Result {
        precondition(fixedPairEnds.count == fixedNames.count && (fixedPairEnds.last ?? 0) <= fixedPairs.count,
                     "fixedPairEnds must give one end in fixedPairs for each fixed name")
        var rawCount = 0
        for parameter in supplied { rawCount += parameter.name.utf8.count + parameter.value.utf8.count }
        let fixedCount = fixedPairEnds.last ?? 0

        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(rawCount, 1)) { raw in
            withUnsafeTemporaryAllocation(of: Span.self, capacity: max(supplied.count, 1)) { spans in
                var cursor = 0
                for (index, parameter) in supplied.enumerated() {
                    let name = copy(parameter.name, into: raw, at: &cursor)
                    let value = copy(parameter.value, into: raw, at: &cursor)
                    spans.initializeElement(at: index, to: Span(nameStart: name.lowerBound, nameCount: name.count,
                                                                valueStart: value.lowerBound, valueCount: value.count))
                }
                let ordered = UnsafeMutableBufferPointer(rebasing: spans[0..<supplied.count])
                let rawStart = UnsafePointer(raw.baseAddress!)
                sortByName(ordered, raw: rawStart)

                let pairCount = supplied.count + fixedNames.count
                let capacity = header.count + rawCount * 3 + fixedCount + pairCount * 2 + signatureRoom
                return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { output in
                    let start = output.baseAddress!
                    if let headerStart = header.baseAddress { start.update(from: headerStart, count: header.count) }
                    var position = header.count
                    let queryStart = position

                    var suppliedIndex = 0
                    var fixedIndex = 0
                    while suppliedIndex < ordered.count || fixedIndex < fixedNames.count {
                        if position > queryStart {
                            start[position] = UInt8(ascii: "&")
                            position += 1
                        }
                        let takeSupplied = fixedIndex == fixedNames.count
                            || (suppliedIndex < ordered.count
                                && precedes(ordered[suppliedIndex], fixedNames[fixedIndex], raw: rawStart))
                        if takeSupplied {
                            let span = ordered[suppliedIndex]
                            position = encode(UnsafeBufferPointer(start: rawStart + span.nameStart, count: span.nameCount),
                                              into: start, at: position)
                            start[position] = UInt8(ascii: "=")
                            position += 1
                            position = encode(UnsafeBufferPointer(start: rawStart + span.valueStart, count: span.valueCount),
                                              into: start, at: position)
                            suppliedIndex += 1
                        } else {
                            let pairStart = fixedIndex == 0 ? 0 : fixedPairEnds[fixedIndex - 1]
                            let pairCount = fixedPairEnds[fixedIndex] - pairStart
                            (start + position).update(from: fixedPairs.baseAddress! + pairStart, count: pairCount)
                            position += pairCount
                            fixedIndex += 1
                        }
                    }
                    var buffer = StringToSignBuffer(start: start, capacity: capacity, count: position,
                                                    queryStart: queryStart, messageCount: position)
                    return body(&buffer)
                }
            }
        }
    }

    /// Percent-encodes the UTF-8 bytes of `text` to `start` at `position` and returns the new end.
    @inline(__always)
    static func appendEncoded(_ text: String, into start: UnsafeMutablePointer<UInt8>, at position: Int) -> Int {
        // Native and literal strings lend their bytes to withUTF8 without a copy.
        var text = text
        return text.withUTF8 { bytes in encode(bytes, into: start, at: position) }
    }

    /// True when the name of `left` sorts before `right`, byte by byte.
    @inline(__always)
    private static func precedes(_ left: Span, _ right: StaticString, raw: UnsafePointer<UInt8>) -> Bool {
        let rightBytes = right.utf8Start
        let shared = min(left.nameCount, right.utf8CodeUnitCount)
        for offset in 0..<shared {
            let leftByte = raw[left.nameStart + offset]
            if leftByte != rightBytes[offset] { return leftByte < rightBytes[offset] }
        }
        return left.nameCount < right.utf8CodeUnitCount
    }

    /// Copies the UTF-8 bytes of `text` to `raw` at `cursor`, advances it and returns the range written.
    @inline(__always)
    private static func copy(_ text: String, into raw: UnsafeMutableBufferPointer<UInt8>, at cursor: inout Int) -> Range<Int> {
        let begin = cursor
        // Native and literal strings lend their bytes without a copy or a retain; bridged
        // strings, which have no contiguous UTF-8, go byte by byte.
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes -> Int in
            if let source = bytes.baseAddress {
                (raw.baseAddress! + begin).update(from: source, count: bytes.count)
            }
            return bytes.count
        }
        if let copied {
            cursor = begin + copied
        } else {
            for byte in text.utf8 {
                raw[cursor] = byte
                cursor += 1
            }
        }
        return begin..<cursor
    }

    /// Insertion sort by name bytes: stable, and fastest for the ten or so parameters of a request.
    private static func sortByName(_ spans: UnsafeMutableBufferPointer<Span>, raw: UnsafePointer<UInt8>) {
        guard spans.count > 1 else { return }
        for index in 1..<spans.count {
            let moving = spans[index]
            var slot = index
            while slot > 0 && precedes(moving, spans[slot - 1], raw: raw) {
                spans[slot] = spans[slot - 1]
                slot -= 1
            }
            spans[slot] = moving
        }
    }

    /// True when the name of `left` sorts before the name of `right`, byte by byte.
    @inline(__always)
    private static func precedes(_ left: Span, _ right: Span, raw: UnsafePointer<UInt8>) -> Bool {
        // A byte loop rather than memcmp, because names are a few bytes long and usually differ
        // in the first one, where the call would cost more than the comparison.
        let shared = min(left.nameCount, right.nameCount)
        for offset in 0..<shared {
            let leftByte = raw[left.nameStart + offset]
            let rightByte = raw[right.nameStart + offset]
            if leftByte != rightByte { return leftByte < rightByte }
        }
        return left.nameCount < right.nameCount
    }

    private static func appendRaw(_ text: String, into start: UnsafeMutablePointer<UInt8>, at position: Int,
                                  lowercasingASCII: Bool = false) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            guard let source = bytes.baseAddress else { return position }
            if lowercasingASCII {
                for offset in 0..<bytes.count {
                    let byte = source[offset]
                    start[position + offset] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
                }
            } else {
                (start + position).update(from: source, count: bytes.count)
            }
            return position + bytes.count
        }
    }

    /// True for the RFC 3986 unreserved bytes, as `PercentEncoding.isUnreserved`, from two 64-bit
    /// masks of ASCII: one load and a shift per byte instead of a chain of range checks.
    @inline(__always)
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        // Bits 45 `-`, 46 `.` and 48-57 `0-9` of bytes 0-63.
        let lowMask: UInt64 = 0x03FF_6000_0000_0000
        // Bits for `A-Z` (65-90), `_` (95), `a-z` (97-122) and `~` (126), less 64, of bytes 64-127.
        let highMask: UInt64 = 0x47FF_FFFE_87FF_FFFE
        guard byte < 128 else { return false }
        let mask = byte < 64 ? lowMask : highMask
        return (mask >> UInt64(byte & 63)) & 1 == 1
    }

    /// Percent-encodes `bytes` to `start` at `position` and returns the new end. The caller
    /// has checked that three output bytes per input byte fit.
    @inline(__always)
    static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into start: UnsafeMutablePointer<UInt8>, at position: Int) -> Int {
        let hex = PercentEncoding.upperHexDigits.utf8Start
        var position = position
        for byte in bytes {
            if isUnreserved(byte) {
                start[position] = byte
                position += 1
            } else {
                start[position] = UInt8(ascii: "%")
                start[position + 1] = hex[Int(byte >> 4)]
                start[position + 2] = hex[Int(byte & 0x0F)]
                position += 3
            }
        }
        return position
    }
}

import Foundation

/// What Foundation's JSON parser accepts beyond RFC 8259 and nensim refuses
/// (docs/EVIDENCE-SCHEMA.md says parsing is strict; docs/RELIABILITY.md).
enum StrictJSON {
    /// The byte offset of the first trailing comma (`[1, 2,]`, `{"a": 1,}`) outside
    /// strings, or nil. Foundation's `JSONSerialization` accepts them; RFC 8259 does not.
    ///
    /// - Parameter data: UTF-8 JSON text, any size; read once, front to back.
    /// - Complexity: O(n) time, O(1) memory.
    static func trailingComma(in data: Data) -> Int? {
        var inString = false, escaped = false
        var lastComma: Int?
        for (offset, byte) in data.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; lastComma = nil
            case UInt8(ascii: ","): lastComma = offset
            case UInt8(ascii: "]"), UInt8(ascii: "}"): if let c = lastComma { return c }
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): break
            default: lastComma = nil
            }
        }
        return nil
    }

    /// `line L, column C` of a byte offset (1-based), for messages.
    static func position(of offset: Int, in data: Data) -> String {
        let prefix = data.prefix(offset)
        let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let column = offset - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 - data.startIndex + 1 } ?? 0) + 1
        return "line \(line), column \(column)"
    }
}

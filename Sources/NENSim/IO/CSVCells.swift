import Foundation

/// Cells of a CSV file read from their bytes, without a `String` per cell
/// (docs/PERFORMANCE.md, "Whole commands"): trimming, missing values, numbers and labels
/// with exactly the results of the text forms (`parseNumber(_: String)`,
/// `trimmingCharacters(in: .whitespaces)`, `Set<String>`), which stay the reference.
enum CSVCell {
    /// `bytes` trimmed as `trimmingCharacters(in: .whitespaces)` trims its text: ASCII
    /// spaces and tabs directly; an end that may be another Unicode space (a lead byte
    /// C2, E1, E2 or E3, or a last byte that ends one) through the text form, into
    /// `scratch`. `body` sees the trimmed bytes.
    @inline(__always)
    static func trimmed<R>(_ bytes: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var lo = 0, hi = bytes.count
        while lo < hi && (bytes[lo] == 0x20 || bytes[lo] == 0x09) { lo += 1 }
        while hi > lo && (bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09) { hi -= 1 }
        if lo < hi {
            let first = bytes[lo], last = bytes[hi - 1]
            let leadMaybeSpace = first == 0xC2 || first == 0xE1 || first == 0xE2 || first == 0xE3
            let tailMaybeSpace = last >= 0x80 && (last == 0xA0 || (last >= 0x80 && last <= 0x8A) || last == 0xAF || last == 0x9F)
            if leadMaybeSpace || tailMaybeSpace {
                let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                scratch = Array(text.utf8)
                return try scratch.withUnsafeBufferPointer(body)
            }
        }
        return try body(UnsafeBufferPointer(rebasing: bytes[lo..<hi]))
    }

    /// Empty or `NA` (`isMissingCell`).
    @inline(__always)
    static func isMissing(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.isEmpty || (b.count == 2 && b[0] == UInt8(ascii: "N") && b[1] == UInt8(ascii: "A"))
    }

    @inline(__always)
    static func equals(_ b: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        guard b.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<b.count where b[k] != p[k] { return false }
        return true
    }

    static func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for x in b { high |= x }
        return high < 0x80
    }

    static func text(_ b: UnsafeBufferPointer<UInt8>) -> String { String(decoding: b, as: UTF8.self) }

    /// `parseNumber(_: String)` of the text `b`, bit for bit: the same syntax (optional
    /// sign, digits with an optional point, optional exponent; `Inf`, `NaN` and their
    /// spellings), and the double `strtod` gives. Up to 19 significant digits with a
    /// power of ten within ±22 (±27 through 64-bit extended precision) are converted
    /// exactly by one rounding (Clinger's fast path; with the extended product, only a
    /// result that lands on a midpoint between two doubles is ambiguous, and goes to the
    /// text form); every other number goes through `Double(String)`.
    /// - Complexity: O(bytes).
    static func number(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = b.count
        guard n > 0 else { return nil }
        var k = 0
        var negative = false
        if b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-") { negative = b[0] == UInt8(ascii: "-"); k = 1 }
        // Words: NaN, Inf, inf, Infinity, with their signs as `parseNumber` takes them.
        if k < n, b[k] > UInt8(ascii: "9") {
            if equals(b, "NaN") { return .nan }
            if equals(b, "Inf") || equals(b, "+Inf") || equals(b, "inf") || equals(b, "Infinity") { return .infinity }
            if equals(b, "-Inf") || equals(b, "-inf") || equals(b, "-Infinity") { return -.infinity }
            return nil
        }
        var mantissa: UInt64 = 0
        var significant = 0, digits = 0, fractionDigits = 0, dropped = 0
        while k < n, b[k] &- 48 < 10 {
            let d = UInt64(b[k] &- 48)
            if significant < 19 { if mantissa != 0 || d != 0 { mantissa = mantissa * 10 + d; if mantissa != 0 { significant += 1 } } } else { dropped += 1 }
            k += 1; digits += 1
        }
        if k < n, b[k] == UInt8(ascii: ".") {
            k += 1
            while k < n, b[k] &- 48 < 10 {
                let d = UInt64(b[k] &- 48)
                if significant < 19 {
                    if mantissa != 0 || d != 0 { mantissa = mantissa * 10 + d; significant += 1 }
                    fractionDigits += 1
                } else { dropped += 1 }
                k += 1; digits += 1
            }
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if k < n, b[k] == UInt8(ascii: "e") || b[k] == UInt8(ascii: "E") {
            k += 1
            var expNegative = false
            if k < n, b[k] == UInt8(ascii: "+") || b[k] == UInt8(ascii: "-") { expNegative = b[k] == UInt8(ascii: "-"); k += 1 }
            var expDigits = 0
            while k < n, b[k] &- 48 < 10 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(b[k] &- 48) }
                k += 1; expDigits += 1
            }
            guard expDigits > 0 else { return nil }
            if expNegative { exponent = -exponent }
        }
        guard k == n else { return nil }
        if dropped == 0 {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            let e10 = exponent - fractionDigits
            if mantissa <= 1 << 53, e10 >= -22, e10 <= 22 {
                let m = Double(mantissa)
                let v = e10 >= 0 ? m * exactPowers[e10] : m / exactPowers[-e10]
                return negative ? -v : v
            }
            #if arch(x86_64) && !os(Windows)
            if e10 >= -27, e10 <= 27 {
                let m = Float80(mantissa)
                let r = e10 >= 0 ? m * extendedPowers[e10] : m / extendedPowers[-e10]
                // 64 significand bits; the low 11 below a double's 53: exactly half is a tie.
                if r.significandBitPattern & 0x7FF != 0x400 {
                    let v = Double(r)
                    return negative ? -v : v
                }
            }
            #endif
        }
        return Double(text(b))
    }

    /// 10⁰ … 10²², exact in a double.
    static let exactPowers: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { x, _ in x * 10 } }
    #if arch(x86_64) && !os(Windows)
    /// 10⁰ … 10²⁷, exact in 64-bit extended precision (5²⁷ < 2⁶⁴).
    static let extendedPowers: [Float80] = (0...27).map { e in (0..<e).reduce(Float80(1)) { x, _ in x * 10 } }
    #endif
}

/// Labels (group, strata, factor and cluster cells) numbered by first appearance, as a
/// `Set<String>` / `Dictionary<String, _>` would tell them apart: ASCII labels by their
/// bytes (a hash table over a byte arena), every new label also by its text, so text that
/// Swift deems equal (canonically equivalent) is one label, as before.
struct CSVLabels {
    /// Label texts by number.
    private(set) var texts: [String] = []
    private var byText: [String: Int32] = [:]
    private var arena: [UInt8] = []
    private var slotStart: [Int] = []
    private var slotLength: [Int] = []
    private var slotLabel: [Int32] = []
    private var mask = 0, used = 0
    /// The last cell's bytes and label: runs of one label cost a comparison.
    private var lastStart = -1, lastLength = 0
    private var lastLabel: Int32 = -1

    init() { resize(64) }

    private mutating func resize(_ size: Int) {
        let old = (slotStart, slotLength, slotLabel)
        slotStart = [Int](repeating: -1, count: size); slotLength = [Int](repeating: 0, count: size)
        slotLabel = [Int32](repeating: -1, count: size); mask = size - 1
        for s in old.0.indices where old.0[s] >= 0 {
            var h = Self.hash(arena, old.0[s], old.1[s]) & mask
            while slotStart[h] >= 0 { h = (h + 1) & mask }
            slotStart[h] = old.0[s]; slotLength[h] = old.1[s]; slotLabel[h] = old.2[s]
        }
    }

    private static func hash(_ a: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in a { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    private static func hash(_ arena: [UInt8], _ start: Int, _ length: Int) -> Int {
        arena.withUnsafeBufferPointer { hash(UnsafeBufferPointer(rebasing: $0[start..<(start + length)])) }
    }

    private func arenaEquals(_ start: Int, _ length: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard length == b.count else { return false }
        return arena.withUnsafeBufferPointer { a in memcmp(a.baseAddress! + start, b.baseAddress!, length) == 0 || length == 0 }
    }

    /// The number of the label `b` (trimmed, not missing), made if new.
    @inline(__always)
    mutating func id(_ b: UnsafeBufferPointer<UInt8>) -> Int32 {
        if lastLabel >= 0, arenaEquals(lastStart, lastLength, b) { return lastLabel }
        guard CSVCell.isASCII(b) else { return textID(CSVCell.text(b)) }
        var h = Self.hash(b) & mask
        while slotStart[h] >= 0 {
            if arenaEquals(slotStart[h], slotLength[h], b) {
                lastStart = slotStart[h]; lastLength = slotLength[h]; lastLabel = slotLabel[h]
                return lastLabel
            }
            h = (h + 1) & mask
        }
        let label = textID(CSVCell.text(b))
        let start = arena.count
        arena.append(contentsOf: b)
        slotStart[h] = start; slotLength[h] = b.count; slotLabel[h] = label
        used += 1
        if 2 * used > slotLabel.count { resize(2 * slotLabel.count) }
        lastStart = start; lastLength = b.count; lastLabel = label
        return label
    }

    /// The number of the label with text `t`, made if new.
    mutating func textID(_ t: String) -> Int32 {
        if let l = byText[t] { return l }
        let l = Int32(texts.count)
        texts.append(t); byText[t] = l
        return l
    }
}

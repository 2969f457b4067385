import ArgumentParser
import Foundation

/// Whole-number options that count things (patients, replicates, events, draws) read as
/// people write them: `100000`, `100_000`, `100,000` (groups of three) or `1e5`, `2.5e6`
/// (a whole number in scientific notation). The command's own range check follows, so
/// `-5` parses and is then refused with the option's range.
enum Counts {
    static let examples = "e.g. 100000, 100_000, 100,000 or 1e5"

    static func parse(_ text: String) throws -> Int {
        let t = text.trimmingCharacters(in: .whitespaces)
        let sign = t.hasPrefix("-") ? -1 : 1
        let body = t.hasPrefix("-") || t.hasPrefix("+") ? String(t.dropFirst()) : t
        if !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_" || $0 == ",") }) {
            if body.contains(",") {
                let groups = body.split(separator: ",", omittingEmptySubsequences: false)
                guard let head = groups.first, (1...3).contains(head.count), groups.dropFirst().allSatisfy({ $0.count == 3 }),
                      !body.contains("_") else { throw ValidationError("not a whole number (\(examples))") }
            }
            let digits = body.filter(\.isNumber)
            guard !digits.isEmpty, !body.hasPrefix("_"), !body.hasSuffix("_"), !body.contains("__"), let v = Int(digits) else {
                throw ValidationError("not a whole number (\(examples))")
            }
            return sign * v
        }
        // Scientific or decimal notation: only whole values, exactly representable.
        guard body.allSatisfy({ $0.isASCII && ($0.isNumber || "eE.+-".contains($0)) }), let x = Double(body), x.isFinite,
              x == x.rounded() else {
            throw ValidationError("not a whole number (\(examples))")
        }
        guard x <= 9e15 else { throw ValidationError("beyond 9e15") }
        return sign * Int(x)
    }
}

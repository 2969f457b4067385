/// One level number per record (0 ..< `levels`), held in the narrowest unsigned width
/// that holds every level: one byte up to 256 levels, two up to 65 536, else four
/// (docs/PERFORMANCE.md, "analyze's memory": 10⁷ records of two groups take 10 MB, not
/// the 80 MB of an `[Int]`). Reads as a collection of `Int`.
///
/// Contract: `bytes` holds `count` little-endian codes of `width` bytes each, record i's
/// at byte offset `i · width`; every code is < `levels`.
public struct LevelCodes: RandomAccessCollection, Sendable, Equatable {
    public let count: Int
    /// Bytes per code: 1, 2 or 4.
    public let width: Int
    /// The number of levels the codes index.
    public let levels: Int
    private var bytes: [UInt8]

    /// Codes made by `code(i)` for i in 0 ..< `count`, each in 0 ..< `levels`.
    /// - Precondition: `levels` ≥ 1 and ≤ 2³²; every code in range.
    /// - Complexity: O(count).
    public init(count: Int, levels: Int, code: (Int) -> Int) {
        precondition(levels >= 1 && levels <= 1 << 32, "LevelCodes: \(levels) levels")
        self.count = count
        self.levels = levels
        width = levels <= 1 << 8 ? 1 : levels <= 1 << 16 ? 2 : 4
        let width = self.width
        bytes = [UInt8](unsafeUninitializedCapacity: count * width) { buffer, filled in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for i in 0..<count {
                let c = code(i)
                precondition(c >= 0 && c < levels, "LevelCodes: code \(c) of record \(i) is not below \(levels)")
                switch width {
                case 1: raw[i] = UInt8(truncatingIfNeeded: c)
                case 2: raw.storeBytes(of: UInt16(truncatingIfNeeded: c).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                default: raw.storeBytes(of: UInt32(truncatingIfNeeded: c).littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                }
            }
            filled = count * width
        }
    }

    /// The codes of `codes`, each in 0 ..< `levels`.
    public init(_ codes: [Int], levels: Int) {
        self.init(count: codes.count, levels: levels) { codes[$0] }
    }

    /// `count` records of level 0.
    public init(zeros count: Int, levels: Int = 1) {
        self.init(count: count, levels: levels) { _ in 0 }
    }

    /// The codes as bytes when each is one byte (at most 256 levels), sharing the
    /// storage (no copy); nil for wider codes.
    public var oneByteCodes: [UInt8]? { width == 1 ? bytes : nil }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    @inline(__always)
    public subscript(i: Int) -> Int {
        precondition(i >= 0 && i < count, "LevelCodes: index \(i) out of 0 ..< \(count)")
        return bytes.withUnsafeBytes { raw in
            switch width {
            case 1: return Int(raw[i])
            case 2: return Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            default: return Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        }
    }
}

import Foundation

/// The framing every shard file shares, whatever it carries (docs/TALLY-FORMAT.md):
///
///     nensim-tally 1\n      magic and format version
///     {header JSON}\n       one line; `kind` says what the body holds (absent: "run")
///     body                  header.body_bytes bytes, little-endian
///     sha256 <64 hex>\n     SHA-256 of every byte before this line
enum TallyContainer {
    /// Writes `data` to `path` atomically (`RunFolder.writeFile`: a temporary sibling,
    /// fsync, rename; missing parents created, and removed again on failure); an
    /// existing file is replaced.
    /// - Throws: `NensimFailure.cannotCreate` or `.io`, naming the path.
    static func writeAtomically(_ data: Data, to path: String, what: String) throws {
        try RunFolder.writeFile(data, to: path)
    }

    /// The header's `kind` and version, read before the header is decoded as that kind's.
    struct KindPeek: Decodable { var kind: String?; var formatVersion: Int? }

    /// The kinds this nensim reads.
    static let kinds = ["run", "trial"]

    /// The file's bytes: magic line, `header` as one line of JSON, `body`, checksum.
    /// `version`: the format version of the magic line (the header's `format_version`).
    static func encode(header: some Encodable, body: [UInt8], version: Int = TallyFile.formatVersion) throws -> Data {
        var out = [UInt8]()
        out.reserveCapacity(body.count + 4096)
        out += Array("\(TallyFile.magic) \(version)\n".utf8)
        out += Array(try TallyJSON.encoder().encode(header))
        out.append(0x0A)
        out += body
        out += Array("sha256 \(SHA256.hex(out))\n".utf8)
        return Data(out)
    }

    /// Checks the magic line, the version and the checksum, and splits the rest into
    /// the header's JSON, its kind and the body.
    /// - Throws: `TallyFileError` saying what is wrong, without the file's name.
    static func split(_ data: Data) throws(TallyFileError) -> (header: Data, kind: String, body: ArraySlice<UInt8>) {
        let bytes = [UInt8](data)
        let magicPrefix = Array("\(TallyFile.magic) ".utf8)
        guard bytes.starts(with: magicPrefix) else {
            throw TallyFileError("not a nensim tally file (it does not begin with '\(TallyFile.magic)')")
        }
        guard let firstNewline = bytes.firstIndex(of: 0x0A), firstNewline < 64 else {
            throw TallyFileError("truncated: the first line ends before the header")
        }
        let versionText = String(decoding: bytes[magicPrefix.count..<firstNewline], as: UTF8.self)
        guard let version = Int(versionText) else { throw TallyFileError("unreadable format version '\(versionText)'") }
        guard TallyFile.readableVersions.contains(version) else {
            throw TallyFileError("tally format version \(version); this nensim (\(NENSimInfo.version)) reads versions \(TallyFile.readableVersions.map(String.init).joined(separator: " and "))")
        }
        let trailer = TallyFile.trailerBytes
        guard bytes.count >= firstNewline + 1 + trailer,
              bytes[(bytes.count - trailer)...].starts(with: Array("sha256 ".utf8)), bytes.last == 0x0A else {
            throw TallyFileError("truncated: no checksum line at the end (an interrupted write or copy?)")
        }
        let checked = bytes[..<(bytes.count - trailer)]
        let stated = String(decoding: bytes[(bytes.count - trailer + 7)..<(bytes.count - 1)], as: UTF8.self)
        guard SHA256.hex(checked) == stated else {
            throw TallyFileError("corrupt: its SHA-256 checksum does not match its content (damaged or truncated in storage or transfer)")
        }
        guard let headerEnd = checked[(firstNewline + 1)...].firstIndex(of: 0x0A) else {
            throw TallyFileError("damaged: no end of the header line")
        }
        let header = Data(bytes[(firstNewline + 1)..<headerEnd])
        let kind: String
        do {
            let peek = try TallyJSON.decoder().decode(KindPeek.self, from: header)
            kind = peek.kind ?? "run"
            if let v = peek.formatVersion, v != version {
                throw TallyFileError("its header says format version \(v) but its first line \(version)")
            }
        } catch let e as TallyFileError {
            throw e
        } catch {
            throw TallyFileError("unreadable header: \(describe(decoding: error))")
        }
        guard kinds.contains(kind) else {
            throw TallyFileError("a shard file of kind '\(kind)'; this nensim (\(NENSimInfo.version)) merges \(kinds.joined(separator: ", "))")
        }
        return (header, kind, checked[(headerEnd + 1)...])
    }
}

extension Array where Element == UInt8 {
    mutating func appendUInt64(_ v: UInt64) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
    mutating func appendInt64(_ v: Int) { appendUInt64(UInt64(bitPattern: Int64(v))) }
    mutating func appendDouble(_ v: Double) { appendUInt64(v.bitPattern) }
}

/// Sequential little-endian reads over a body whose size was checked beforehand.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    var offset: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    mutating func uint64() -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        offset += 8
        return v
    }

    mutating func int64() -> Int { Int(Int64(bitPattern: uint64())) }

    mutating func double() -> Double { Double(bitPattern: uint64()) }

    mutating func byte() -> UInt8 {
        defer { offset += 1 }
        return bytes[offset]
    }
}

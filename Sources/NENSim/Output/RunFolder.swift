internal import CKernels
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one atomic writer of nensim's outputs (docs/RELIABILITY.md): every command that
/// writes files — run, pathways, trial, analyze, merge, shard files — goes through it.
///
/// Every file is written into a hidden temporary sibling folder (`.<name>.tmp-<pid>`),
/// each under a `.partial` name, flushed and fsynced, then renamed; `commit()` moves the
/// result into place with `rename(2)`. Until then nothing appears under the requested
/// name, and `abandon()` (on an error, or from the signal handler) removes everything
/// this writer made, including parent folders it had to create. Three shapes:
///
/// - `.folder` (run, pathways, merge): the folder is the unit; with `force`, an existing
///   nensim folder is replaced only after the new one is complete.
/// - `.files` (analyze, trial): the named files go into the folder; an existing empty
///   folder is used, a non-empty one only with `force`, and then only the named files are
///   replaced (each by one rename), the rest kept.
/// - `.file` (shard files): one file, `destination` itself, replaced by one rename.
///
/// Thread safety: `write`, `commit` and `abandon` serialise on one lock, so `abandon()`
/// may be called from another thread (the interrupt handler) while a file is being
/// written; it first sets a cancellation flag that makes the writer stop at its next
/// buffer flush, then removes the temporary folder once the writer has let go. Every
/// writer not yet committed or abandoned is listed, so `abandonAll()` cleans up after
/// a signal or a fatal error whatever command was running.
public final class RunFolder: @unchecked Sendable {
    /// How the output meets what already exists at the destination (see the type's doc).
    public enum Shape: Sendable { case folder, files, file }

    /// Where the finished folder (or file) goes.
    public let destination: URL
    /// The hidden sibling the files are written into.
    public let temporary: URL
    /// The folder as the user named it, for messages.
    public let displayName: String
    public let force: Bool
    public let shape: Shape

    private enum State { case open, committed, abandoned }
    private let lock = NSLock()
    private var state = State.open
    private let cancelled = Atomic<Bool>(false)
    /// Parent folders created by `create`, outermost first (removed again on abandon).
    private var createdParents: [URL] = []
    /// Names of the files written so far, in order.
    public private(set) var files: [String] = []

    /// Writers neither committed nor abandoned, for `abandonAll()`.
    private static let openWriters = Mutex<[ObjectIdentifier: RunFolder]>([:])

    private init(destination: URL, displayName: String, force: Bool, shape: Shape) {
        self.destination = destination
        self.displayName = displayName
        self.force = force
        self.shape = shape
        let name = destination.lastPathComponent
        temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(name).tmp-\(getpid())")
    }

    /// Abandons every writer still open (the signal handler's and a fatal error's cleanup).
    public static func abandonAll() {
        let folders = openWriters.withLock { Array($0.values) }
        for f in folders { f.abandon() }
    }

    /// Whether some writer is open and not committed (so a signal removes partial output).
    public static var anyOpen: Bool { openWriters.withLock { !$0.isEmpty } }

    private func unlist() { _ = RunFolder.openWriters.withLock { $0.removeValue(forKey: ObjectIdentifier(self)) } }

    /// Checks the destination and makes the temporary folder (and any missing parents).
    ///
    /// - Throws: `NensimFailure.usage` for an empty path or one naming a root, `.` or
    ///   `..`; `.cannotCreate` when the destination exists and may not be replaced
    ///   (see `Shape`), or when the folder or a parent cannot be created (permissions, a
    ///   file in the way, read-only file system).
    public static func create(at path: String, force: Bool, shape: Shape = .folder) throws -> RunFolder {
        guard !path.isEmpty else { throw NensimFailure.usage("\(.out) '': empty name; name a folder to create, e.g. \(.out) results") }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard url.path != "/", !url.lastPathComponent.isEmpty, url.lastPathComponent != ".." else {
            throw NensimFailure.usage("\(.out) '\(user: path)': name a folder to create, not a root or parent reference")
        }
        let folder = RunFolder(destination: url, displayName: path, force: force, shape: shape)
        if exists(url.path) {
            switch shape {
            case .folder:
                guard isDirectory(url.path) else {
                    throw NensimFailure.cannotCreate("\(user: path) exists and is not a folder; choose another folder with \(.out)")
                }
                guard force else {
                    throw NensimFailure.cannotCreate("\(user: path) already exists; use \(.force) to replace it, or \(.out) with another folder to keep both")
                }
                try checkReplaceable(url, displayName: path)
            case .files:
                guard isDirectory(url.path) else { throw NensimFailure.cannotCreate("\(.out) \(user: path): exists and is not a folder") }
                let contents = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
                if !contents.isEmpty && !force {
                    throw NensimFailure.cannotCreate("\(.out) \(user: path): the folder is not empty (\(contents.count) entr\(contents.count == 1 ? "y" : "ies")); choose a new folder or add \(.force) to replace the files nensim writes there")
                }
            case .file:
                guard isRegularFile(url.path) else {
                    throw NensimFailure.cannotCreate("\(user: path) exists and is not a regular file (a folder or a device); name a file to write")
                }
            }
        }
        // Missing parents, outermost first.
        var missing: [URL] = []
        var parent = url.deletingLastPathComponent()
        while !exists(parent.path), parent.path != "/" {
            missing.insert(parent, at: 0)
            parent = parent.deletingLastPathComponent()
        }
        if exists(parent.path), !isDirectory(parent.path) {
            throw NensimFailure.cannotCreate("cannot create \(user: path): \(user: parent.path) is a file, not a folder")
        }
        for dir in missing {
            guard mkdir(dir.path, 0o755) == 0 || errno == EEXIST else {
                let reason = lastError()
                folder.removeCreatedParents()
                throw NensimFailure.cannotCreate("cannot create folder \(user: dir.path): \(reason)")
            }
            folder.createdParents.append(dir)
        }
        if exists(folder.temporary.path) { try? FileManager.default.removeItem(at: folder.temporary) } // a stale folder of a dead process with our pid
        guard mkdir(folder.temporary.path, 0o755) == 0 else {
            let reason = lastError()
            folder.removeCreatedParents()
            throw NensimFailure.cannotCreate("cannot create \(user: path): \(reason)")
        }
        openWriters.withLock { $0[ObjectIdentifier(folder)] = folder }
        return folder
    }

    /// Writes `data` to the file `path` atomically (shape `.file`): parents created as
    /// needed, an existing file replaced by one rename, nothing left on failure.
    /// - Throws: as `create`, `write` and `commit`.
    public static func writeFile(_ data: Data, to path: String) throws {
        let folder = try create(at: path, force: true, shape: .file)
        defer { folder.abandon() }
        try folder.write(folder.destination.lastPathComponent) { try $0.write(data) }
        try folder.commit()
    }

    /// Writes one file: into `.<name>.partial` inside the temporary folder, flushed to
    /// disk, then renamed to `name`.
    ///
    /// - Throws: `NensimFailure.io` when writing fails part-way (disk full, file size
    ///   limit, I/O error), or whatever `body` throws; the partial file is removed.
    public func write(_ name: String, _ body: (OutputFile) throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        guard state == .open, !cancelled.load(ordering: .acquiring) else { throw NensimFailure.io("\(displayName): output abandoned") }
        let partial = temporary.appendingPathComponent(".\(name).partial")
        let final = temporary.appendingPathComponent(name)
        let file = try OutputFile(path: partial.path, displayName: shape == .file ? displayName : "\(displayName)/\(name)") { [unowned self] in
            self.cancelled.load(ordering: .relaxed)
        }
        do {
            try body(file)
            try file.close()
        } catch {
            file.discard()
            unlink(partial.path)
            throw error
        }
        guard rename(partial.path, final.path) == 0 else {
            let reason = lastError()
            unlink(partial.path)
            throw NensimFailure.io("cannot rename \(displayName)/\(name) into place: \(reason)")
        }
        files.append(name)
    }

    /// Convenience: writes a string as one file.
    public func write(_ name: String, contents: String) throws {
        try write(name) { try $0.write(contents) }
    }

    /// Convenience: writes bytes (a PNG or PDF figure) as one file.
    public func write(_ name: String, contents: Data) throws {
        try write(name) { try $0.write(contents) }
    }

    /// Moves the finished folder (or files, or file) into place.
    ///
    /// - Throws: `NensimFailure.cannotCreate` when the destination appeared meanwhile
    ///   (without `force`) or a rename fails; the temporary folder is then removed.
    public func commit() throws {
        lock.lock()
        defer { lock.unlock() }
        guard state == .open, !cancelled.load(ordering: .acquiring) else { throw NensimFailure.io("\(user: displayName): output abandoned") }
        fsyncDirectory(temporary.path)
        do {
            switch shape {
            case .folder: try commitFolder()
            case .files:
                if RunFolder.exists(destination.path) {
                    for name in files {
                        guard rename(temporary.appendingPathComponent(name).path, destination.appendingPathComponent(name).path) == 0 else {
                            throw NensimFailure.cannotCreate("cannot move \(user: name) into \(user: displayName): \(lastError())")
                        }
                    }
                    rmdir(temporary.path)
                    fsyncDirectory(destination.path)
                } else {
                    guard rename(temporary.path, destination.path) == 0 else {
                        throw NensimFailure.cannotCreate("cannot move \(user: displayName) into place: \(lastError())")
                    }
                }
            case .file:
                guard let name = files.last,
                      rename(temporary.appendingPathComponent(name).path, destination.path) == 0 else {
                    throw NensimFailure.cannotCreate("cannot move \(user: displayName) into place: \(lastError())")
                }
                rmdir(temporary.path)
            }
        } catch {
            removeTemporary()
            state = .abandoned
            unlist()
            throw error
        }
        fsyncDirectory(destination.deletingLastPathComponent().path)
        state = .committed
        unlist()
    }

    private func commitFolder() throws {
        if RunFolder.exists(destination.path) {
            guard force else {
                throw NensimFailure.cannotCreate("\(user: displayName) already exists; use \(.force) to replace it, or \(.out) with another folder to keep both")
            }
            let aside = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
            guard rename(destination.path, aside.path) == 0 else {
                throw NensimFailure.cannotCreate("cannot replace \(user: displayName): \(lastError())")
            }
            guard rename(temporary.path, destination.path) == 0 else {
                let reason = lastError()
                _ = rename(aside.path, destination.path)
                throw NensimFailure.cannotCreate("cannot move the new \(user: displayName) into place: \(reason)")
            }
            try? FileManager.default.removeItem(at: aside)
        } else {
            guard rename(temporary.path, destination.path) == 0 else {
                throw NensimFailure.cannotCreate("cannot move \(user: displayName) into place: \(lastError())")
            }
        }
    }

    /// Removes the temporary folder and any parents `create` made. Idempotent; safe
    /// from another thread while a file is being written (see the type's doc comment).
    /// Does nothing once committed.
    public func abandon() {
        cancelled.store(true, ordering: .releasing)
        lock.lock()
        defer { lock.unlock() }
        guard state == .open else { return }
        removeTemporary()
        state = .abandoned
        unlist()
    }

    /// Whether the folder has been moved into place.
    public var isCommitted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return state == .committed
    }

    private func removeTemporary() {
        for _ in 0..<3 where RunFolder.exists(temporary.path) {
            try? FileManager.default.removeItem(at: temporary)
        }
        removeCreatedParents()
    }

    private func removeCreatedParents() {
        for dir in createdParents.reversed() { rmdir(dir.path) } // only if still empty
        createdParents = []
    }

    /// File names a run folder may hold: nensim's outputs and the notebook's picture.
    public static let knownFiles: Set<String> = [
        "summary.json", "arms.csv", "comparisons.csv", "km_pfs.csv", "km_os.csv", "responses.csv",
        "adverse_events.csv", "patients.csv", "km.svg", "km.pdf", "km.png", "report.html", "psa.csv", "psa_summary.csv",
        "pathways.csv", "km_pathways.csv", "km_pathways.svg",
    ]

    /// `--force` replaces only what looks like a run folder: a folder (not a file), not
    /// the current directory or one of its ancestors, without subfolders, and empty or
    /// holding at least one nensim output. A mistyped `--out . --force` or
    /// `--out ~ --force` must not delete anything.
    static func checkReplaceable(_ url: URL, displayName: String) throws {
        let refuse = { (why: String) in
            NensimFailure.cannotCreate("\(.force) will not replace \(displayName): \(why); remove it yourself or choose another \(.out)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw refuse("it is not a folder")
        }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.resolvingSymlinksInPath().path
        let target = url.resolvingSymlinksInPath().path
        if cwd == target || cwd.hasPrefix(target.hasSuffix("/") ? target : target + "/") {
            throw refuse("it holds the current directory")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        for entry in entries {
            var sub: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.appendingPathComponent(entry).path, isDirectory: &sub), sub.boolValue {
                throw refuse("it has subfolders, so it is not a nensim run folder")
            }
        }
        if !entries.isEmpty, !entries.contains(where: knownFiles.contains) {
            throw refuse("it holds no nensim output, so it is not a nensim run folder")
        }
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    private func fsyncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

@discardableResult private func sysClose(_ fd: Int32) -> Int32 { close(fd) }
private func sysWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

/// The text of the last C library error.
func lastError() -> String { String(cString: strerror(errno)) }

/// A file being written by `RunFolder.write`: buffered UTF-8 output to a file
/// descriptor, flushed in 256 KiB chunks and synced to disk on close.
public final class OutputFile {
    private let fd: Int32
    private let displayName: String
    private var buffer: [UInt8] = []
    private let isCancelled: () -> Bool
    private var isOpen = true
    private static let chunk = 1 << 18
    /// Bytes written, and where the writeback not yet started begins: every
    /// `writebackStep` bytes the device is asked to start writing them
    /// (`nensim_start_writeback`), so that closing a large file (its fsync) waits only
    /// for the last of it.
    private var written: Int64 = 0, writebackFrom: Int64 = 0
    private static let writebackStep: Int64 = 8 << 20

    fileprivate init(path: String, displayName: String, isCancelled: @escaping () -> Bool) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        self.displayName = displayName
        self.isCancelled = isCancelled
        guard fd >= 0 else { throw NensimFailure.io("cannot create \(displayName): \(lastError())") }
        buffer.reserveCapacity(OutputFile.chunk + 4096)
    }

    deinit { if isOpen { sysClose(fd) } }

    /// Appends bytes made in place by `body` (numbers formatted without a `String`:
    /// `CSV.append(_:to:)`).
    public func append(_ body: (inout [UInt8]) -> Void) throws {
        body(&buffer)
        if buffer.count >= OutputFile.chunk { try flush() }
    }

    /// Appends bytes made elsewhere (e.g. formatted on a worker); a large block goes to
    /// the file as it is, after what is buffered.
    public func write(bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write(bytes: $0) }
    }

    /// `write(bytes:)` of bytes the caller holds.
    public func write(bytes: UnsafeRawBufferPointer) throws {
        if bytes.count < OutputFile.chunk {
            buffer.append(contentsOf: bytes)
            if buffer.count >= OutputFile.chunk { try flush() }
            return
        }
        try flush()
        try writeAll(bytes)
    }

    /// Appends text.
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= OutputFile.chunk { try flush() }
    }

    /// Appends bytes.
    public func write(_ data: Data) throws {
        var offset = data.startIndex
        while offset < data.endIndex {
            let end = Swift.min(data.endIndex, offset + OutputFile.chunk)
            buffer.append(contentsOf: data[offset..<end])
            offset = end
            if buffer.count >= OutputFile.chunk { try flush() }
        }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes` to the file (retrying interrupted and short writes).
    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        if isCancelled() { throw NensimFailure.io("\(displayName): interrupted") }
        var offset = 0
        while offset < bytes.count {
            let n = sysWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw NensimFailure.io("cannot write \(displayName): \(lastError())")
            }
            offset += n
        }
        written += Int64(bytes.count)
        if written - writebackFrom >= OutputFile.writebackStep {
            _ = nensim_start_writeback(fd, writebackFrom, written - writebackFrom)
            writebackFrom = written
        }
    }

    fileprivate func close() throws {
        try flush()
        guard fsync(fd) == 0 || errno == EINVAL else { throw NensimFailure.io("cannot write \(displayName): \(lastError())") }
        isOpen = false
        guard sysClose(fd) == 0 else { throw NensimFailure.io("cannot write \(displayName): \(lastError())") }
    }

    fileprivate func discard() {
        if isOpen { sysClose(fd); isOpen = false }
    }
}

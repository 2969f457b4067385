import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a set of files into an output folder all or nothing.
///
/// Each file is first written in full under a temporary name in the folder
/// (`.NAME.tmp-PID`), then, once every file is written, renamed into place (`rename(2)`
/// is atomic within a folder). On any failure the temporary files, any file already
/// renamed, and the folder itself (with any parents) if this call created it are
/// removed: a failed write leaves nothing behind. An existing non-empty folder is
/// refused unless `force` (then only the named files are replaced).
public enum OutputFolder {
    /// Fails early, before any work, if `path` cannot be used as the output folder.
    /// - Throws: `NensimFailure.cannotCreate` (73) when `path` is a file, or a
    ///   non-empty folder without `force`.
    public static func check(_ path: String, force: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw NensimFailure.cannotCreate("--out \(path): exists and is not a folder")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if !contents.isEmpty && !force {
            throw NensimFailure.cannotCreate("--out \(path): the folder is not empty (\(contents.count) entr\(contents.count == 1 ? "y" : "ies")); choose a new folder or add --force to replace the files nensim writes there")
        }
    }

    /// Writes `files` (name, contents) into the folder `path`, creating it if needed.
    /// - Throws: `NensimFailure.cannotCreate` (73) when the folder or a file cannot be
    ///   created; `.io` (74) when writing fails part-way (e.g. disk full).
    public static func write(_ files: [(name: String, contents: Data)], to path: String, force: Bool) throws {
        try check(path, force: force)
        let fm = FileManager.default
        let folder = URL(fileURLWithPath: path).standardizedFileURL
        // The outermost folder this call creates, removed again on failure.
        var created: URL? = nil
        if !fm.fileExists(atPath: folder.path) {
            var top = folder
            while !fm.fileExists(atPath: top.deletingLastPathComponent().path), top.pathComponents.count > 1 {
                top = top.deletingLastPathComponent()
            }
            do {
                try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                try? fm.removeItem(at: top)
                throw NensimFailure.cannotCreate("--out \(path): cannot create the folder (\(reason(error)))")
            }
            created = top
        }
        let pid = ProcessInfo.processInfo.processIdentifier
        var temporaries: [String] = []
        var placed: [String] = []
        do {
            for file in files {
                let temporary = folder.appendingPathComponent(".\(file.name).tmp-\(pid)").path
                temporaries.append(temporary)
                try writeFile(file.contents, to: temporary, shownAs: (path as NSString).appendingPathComponent(file.name))
            }
            for (file, temporary) in zip(files, temporaries) {
                let final = folder.appendingPathComponent(file.name).path
                guard rename(temporary, final) == 0 else {
                    throw NensimFailure.cannotCreate("cannot move \(file.name) into \(path) (\(String(cString: strerror(errno))))")
                }
                placed.append(final)
            }
        } catch {
            for f in temporaries + placed { unlink(f) }
            if let created { try? fm.removeItem(at: created) }
            throw error
        }
    }

    /// Writes `data` to a new file at `path` (which must not exist).
    static func writeFile(_ data: Data, to path: String, shownAs name: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw NensimFailure.cannotCreate("cannot create \(name) (\(String(cString: strerror(errno))))")
        }
        var failure: NensimFailure? = nil
        data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(fd, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .io("writing \(name) failed (\(String(cString: strerror(errno))))")
                    return
                }
                offset += written
            }
        }
        if close(fd) != 0, failure == nil {
            failure = .io("writing \(name) failed on close (\(String(cString: strerror(errno))))")
        }
        if let failure { throw failure }
    }

    static func reason(_ error: Error) -> String {
        if let e = error as? CocoaError, let underlying = e.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return (error as NSError).localizedDescription
    }
}

/// POSIX `write(2)` (the enum's own `write` would shadow the unqualified name).
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}

import Foundation
import Testing

/// Runs the built `nensim` binary (next to the test bundle) as a child process.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static var binary: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // swift-testing may run from inside `<name>.xctest/…`; walk up to the products folder.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("nensim")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return exe.deletingLastPathComponent().appendingPathComponent("nensim")
    }

    /// Runs the binary (or `executable`, e.g. a shell wrapping it). Without `currentDirectory` it runs in a fresh scratch folder,
    /// removed afterwards, so a run's default output folder (`notebooks-out/…`) never
    /// lands in the checkout and repeated runs do not find it already there.
    @discardableResult
    static func run(_ arguments: [String], currentDirectory: URL? = nil, environment: [String: String]? = nil,
                    executable: URL? = nil) throws -> CLIResult {
        let scratch = currentDirectory == nil ? try temporaryDirectory() : nil
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let p = Process()
        p.executableURL = executable ?? binary
        p.arguments = arguments
        p.currentDirectoryURL = currentDirectory ?? scratch
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently with the child to avoid a full-pipe deadlock.
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        p.waitUntilExit()
        group.wait()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nensim-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension CLI {
    /// Starts the binary in `dir`, waits until `ready()` (e.g. its temporary folder
    /// exists), sends `signal` and waits for the exit. Returns the process (exited) and
    /// its stderr; records an issue if it did not get ready or did not stop in 30 s.
    static func stop(_ arguments: [String], in dir: URL, with signal: Int32, when ready: () -> Bool) throws -> (Process, String) {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        p.currentDirectoryURL = dir
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while !ready(), Date() < deadline, p.isRunning { usleep(20_000) }
        #expect(p.isRunning)
        usleep(200_000)
        kill(p.processIdentifier, signal)
        let exitDeadline = Date().addingTimeInterval(30)
        while p.isRunning, Date() < exitDeadline { usleep(20_000) }
        if p.isRunning {
            Issue.record("still running 30 s after signal \(signal)")
            kill(p.processIdentifier, SIGKILL)
        }
        p.waitUntilExit()
        return (p, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}

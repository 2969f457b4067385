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

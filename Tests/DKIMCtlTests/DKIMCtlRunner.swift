import Foundation
import XCTest

/// Runs the built `dkimctl` as a separate process, as an administrator would.
struct DKIMCtlRunner {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    static var binary: URL {
        // The test bundle sits in the build products directory, beside the executables.
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" || !FileManager.default.fileExists(atPath: directory.appendingPathComponent("dkimctl").path) {
            directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("dkimctl").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("dkimctl")
    }

    @discardableResult
    static func run(_ arguments: [String], stdin: Data = Data(), stdinFile: URL? = nil, stdoutFile: URL? = nil,
                    in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let outPipe = Pipe()
        let errPipe = Pipe()
        if let stdoutFile {
            _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        } else {
            process.standardOutput = outPipe
        }
        process.standardError = errPipe
        if let stdinFile {
            process.standardInput = try FileHandle(forReadingFrom: stdinFile)
        } else {
            let inPipe = Pipe()
            process.standardInput = inPipe
            try process.run()
            let writer = Thread {
                try? inPipe.fileHandleForWriting.write(contentsOf: stdin)
                try? inPipe.fileHandleForWriting.close()
            }
            writer.start()
            return finish(process, outPipe, errPipe, captureStdout: stdoutFile == nil)
        }
        try process.run()
        return finish(process, outPipe, errPipe, captureStdout: stdoutFile == nil)
    }

    private static func finish(_ process: Process, _ outPipe: Pipe, _ errPipe: Pipe, captureStdout: Bool) -> Result {
        final class Box: @unchecked Sendable { var data = Data() }
        let out = Box()
        let err = Box()
        let group = DispatchGroup()
        if captureStdout {
            group.enter()
            DispatchQueue.global().async { out.data = outPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        }
        group.enter()
        DispatchQueue.global().async { err.data = errPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        process.waitUntilExit()
        group.wait()
        return Result(status: process.terminationStatus, stdout: out.data, stderr: String(decoding: err.data, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dkimctl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

import DKIMMilter
import Foundation
import XCTest

final class PidFileTests: XCTestCase {
    func testASymbolicLinkAtThePathIsReplacedNotWrittenThrough() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pidfile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let victim = directory.appendingPathComponent("victim").path
        try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
        let path = directory.appendingPathComponent("dkimctl.pid").path
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)

        let pidFile = PidFile(path: path)
        try pidFile.write()
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType, .typeRegular)
        XCTAssertEqual(try pidFile.processID(), getpid())
        XCTAssertNil(pidFile.remove())
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testAPidFileNamingALiveProcessStopsTheStart() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pidfile-\(UUID().uuidString.prefix(8))").path
        defer { unlink(path) }
        // PID 1 is always running.
        try "1\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try PidFile(path: path).write()) { error in
            XCTAssertTrue("\(error)".contains("names process 1, which is running"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "1\n")
    }
}

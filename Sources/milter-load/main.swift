// milter-load: drives a milter over TCP like Postfix does and prints throughput, latency and the server's CPU
// time per message (read from /proc/PID/stat). Not a test: it prints figures and asserts nothing.
//
//   milter-load --port 12301 [--host 127.0.0.1] [--connections 1] [--messages 200] [--body-bytes 2048]
//               [--protocol 6] [--server-pid PID] [--label NAME]
import Foundation
import MilterProtocol
import MilterTestKit

struct Options {
    var host = "127.0.0.1"
    var port = 12301
    var connections = 1
    var messages = 200
    var bodyBytes = 2048
    var version: UInt32 = 6
    var serverPID: Int32?
    var label = "milter"
    var clientAddress = "127.0.0.1"
}

let usage = """
    usage: milter-load --port PORT [--host 127.0.0.1] [--connections 1] [--messages 200] [--body-bytes 2048]
                       [--protocol 6] [--server-pid PID] [--label NAME] [--client-address 127.0.0.1]
    """

func usageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("milter-load: \(message)\n\(usage)\n".utf8))
    exit(2)
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    while let flag = arguments.next() {
        if flag == "--help" || flag == "-h" {
            print(usage)
            exit(0)
        }
        guard let value = arguments.next() else { usageError("\(flag) needs a value") }
        func number<T: FixedWidthInteger>(_: T.Type) -> T {
            guard let number = T(value) else { usageError("\(flag) \(value): not a number") }
            return number
        }
        switch flag {
        case "--host": options.host = value
        case "--port": options.port = number(Int.self)
        case "--connections": options.connections = number(Int.self)
        case "--messages": options.messages = number(Int.self)
        case "--body-bytes": options.bodyBytes = number(Int.self)
        case "--protocol": options.version = number(UInt32.self)
        case "--server-pid": options.serverPID = number(Int32.self)
        case "--label": options.label = value
        case "--client-address": options.clientAddress = value
        default: usageError("unknown option \(flag)")
        }
    }
    return options
}

/// utime + stime of a process (and its threads), in seconds.
func cpuSeconds(pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func rssMB(pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 }
    }
    return nil
}

func makeBody(_ bytes: Int) -> [UInt8] {
    var out: [UInt8] = []
    let line = Array("The quick brown fox jumps over the lazy dog; DKIM signs this line.  \r\n".utf8)
    while out.count < bytes { out.append(contentsOf: line) }
    return Array(out.prefix(bytes - 2)) + [0x0D, 0x0A]
}

let options = parseOptions()
let body = makeBody(options.bodyBytes)
let headers = [
    "From: Load Test <load@example.com>",
    "To: Jane Roe <jane@example.net>",
    "Subject: load test message",
    "Date: Thu, 26 Nov 2026 12:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=us-ascii",
]

final class Results: @unchecked Sendable {
    let lock = NSLock()
    var latencies: [Double] = []
    var failures: [String] = []
    var signed = 0
}
let results = Results()

let cpuBefore = options.serverPID.flatMap(cpuSeconds)
let start = Date()
let workers: [@Sendable () -> Void] = (0..<options.connections).map { index in
    {
        do {
            let client = try MilterTestClient(host: options.host, port: options.port)
            client.setTimeout(seconds: 60)
            try client.negotiate(version: options.version)
            _ = try client.connect(hostname: "localhost", address: .inet(options.clientAddress, port: 40000 + UInt16(index % 20000)),
                                   macros: [MilterMacro(name: "j", value: "mx.example.net"), MilterMacro(name: "{daemon_name}", value: "smtpd")])
            _ = try client.helo("load.example.com")
            var local: [Double] = []
            var signed = 0
            for n in 0..<options.messages {
                let t0 = Date()
                _ = try client.mailFrom("<load@example.com>", macros: [MilterMacro(name: "i", value: "Q\(index)X\(n)")])
                _ = try client.recipient("<jane@example.net>")
                for header in headers { _ = try client.header(header) }
                _ = try client.header("Message-ID: <\(index).\(n)@example.com>")
                _ = try client.endOfHeaders()
                _ = try client.body(body)
                let responses = try client.endOfMessage()
                local.append(Date().timeIntervalSince(t0))
                if responses.contains(where: { if case .insertHeader(_, "DKIM-Signature", _) = $0 { return true }; if case .addHeader("DKIM-Signature", _) = $0 { return true }; return false }) {
                    signed += 1
                }
            }
            try client.quit()
            results.lock.withLock {
                results.latencies += local
                results.signed += signed
            }
        } catch {
            results.lock.withLock { results.failures.append("connection \(index): \(error)") }
        }
    }
}
let done = DispatchSemaphore(value: 0)
for work in workers {
    Thread.detachNewThread {
        work()
        done.signal()
    }
}
for _ in workers { done.wait() }
let elapsed = Date().timeIntervalSince(start)
let cpuAfter = options.serverPID.flatMap(cpuSeconds)

let sorted = results.latencies.sorted()
func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
let total = sorted.count
print("\(options.label): \(options.connections) connection(s) × \(options.messages) message(s) of \(options.bodyBytes) bytes, protocol \(options.version)")
print(String(format: "  messages      %d (%d signed), %.2f s, %.1f msgs/s", total, results.signed, elapsed, Double(total) / elapsed))
print(String(format: "  latency       p50 %.3f ms, p99 %.3f ms, max %.3f ms", percentile(0.50) * 1000, percentile(0.99) * 1000,
             (sorted.last ?? 0) * 1000))
if let before = cpuBefore, let after = cpuAfter, total > 0 {
    print(String(format: "  server CPU    %.1f µs per message (%.2f s in all)", (after - before) / Double(total) * 1e6, after - before))
}
if let pid = options.serverPID, let rss = rssMB(pid: pid) {
    print(String(format: "  server peak RSS %.1f MB", rss))
}
for failure in results.failures.prefix(5) { print("  FAILED: \(failure)") }
if !results.failures.isEmpty { exit(1) }

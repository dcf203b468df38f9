import Foundation

/// Where a text writer's bytes go: a file (buffered) or memory.
protocol OutputSink: AnyObject {
    /// Appends UTF-8 text.
    func write(_ text: String) throws
    /// Writes out whatever is buffered.
    func flush() throws
}

/// A sink that fills a 64 KiB buffer and writes it to a file descriptor when full.
final class FileSink: OutputSink {
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 16

    /// Creates (or truncates) the file at `path`.
    init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw ReportError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        self.descriptor = descriptor
        self.path = path
        buffer.reserveCapacity(Self.capacity)
    }

    deinit { close(descriptor) }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.capacity { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                return Foundation.write(descriptor, base + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw ReportError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A sink that keeps the text in memory.
final class StringSink: OutputSink {
    private(set) var text = ""
    func write(_ text: String) { self.text += text }
    func flush() {}
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only memory map of a whole file.
///
/// The map lives as long as this object; weight views (`WeightMatrix`) keep it alive.
public final class MappedFile: @unchecked Sendable {
    // Sendable: the mapping is read-only (PROT_READ) and never remapped, so concurrent reads are safe.

    /// The file's size in bytes.
    public let count: Int
    /// Where the file is.
    public let url: URL
    let base: UnsafeRawPointer?

    /// Why a file could not be mapped.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let path: String
        public let reason: String
        public var description: String { "cannot map \(path): \(reason)" }
    }

    /// Maps the file at `url` read-only.
    /// - Throws: `MappedFile.Error` naming the path and the system's reason.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Error(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Error(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw Error(path: path, reason: "not a regular file") }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        let address = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw Error(path: path, reason: String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(address)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// A bounds-checked reader starting at `offset`.
    public func reader(at offset: Int = 0) -> ByteReader {
        ByteReader(file: self, offset: offset)
    }

    /// Copies `length` bytes at `offset`, or nil when they are not all inside the file.
    public func bytes(at offset: Int, count length: Int) -> [UInt8]? {
        guard offset >= 0, length >= 0, offset <= count - length, let base else {
            return length == 0 && offset >= 0 && offset <= count ? [] : nil
        }
        return Array(UnsafeRawBufferPointer(start: base + offset, count: length))
    }

    /// Calls `body` with the bytes of the whole file.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

/// Reads little-endian values from a `MappedFile` with bounds checks: every read returns nil instead of
/// reading past the end, and `offset` says where the next read starts.
public struct ByteReader {
    /// Keeps the map alive while the reader exists.
    public let file: MappedFile
    /// The byte offset of the next read.
    public var offset: Int

    init(file: MappedFile, offset: Int) {
        self.file = file
        self.offset = offset
    }

    /// Bytes left from `offset` to the end of the file.
    public var remaining: Int { file.count - offset }

    @inline(__always)
    private mutating func load<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= file.count - size, let base = file.base else { return nil }
        let value = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    public mutating func readUInt8() -> UInt8? { load(UInt8.self) }
    public mutating func readInt8() -> Int8? { load(Int8.self) }
    public mutating func readUInt16() -> UInt16? { load(UInt16.self) }
    public mutating func readInt16() -> Int16? { load(Int16.self) }
    public mutating func readUInt32() -> UInt32? { load(UInt32.self) }
    public mutating func readInt32() -> Int32? { load(Int32.self) }
    public mutating func readUInt64() -> UInt64? { load(UInt64.self) }
    public mutating func readInt64() -> Int64? { load(Int64.self) }
    public mutating func readFloat32() -> Float? { load(UInt32.self).map(Float.init(bitPattern:)) }
    public mutating func readFloat64() -> Double? { load(UInt64.self).map(Double.init(bitPattern:)) }

    /// Reads `length` bytes as UTF-8 (invalid sequences are repaired with U+FFFD), or nil past the end.
    public mutating func readString(byteCount length: Int) -> String? {
        guard length >= 0, offset >= 0, offset <= file.count - length else { return nil }
        guard length > 0, let base = file.base else { return "" }
        let text = String(decoding: UnsafeRawBufferPointer(start: base + offset, count: length), as: UTF8.self)
        offset += length
        return text
    }

    /// Reads `length` raw bytes, or nil past the end.
    public mutating func readBytes(count length: Int) -> [UInt8]? {
        guard let bytes = file.bytes(at: offset, count: length) else { return nil }
        offset += length
        return bytes
    }

    /// Skips `length` bytes; false (and no move) when that would pass the end.
    public mutating func skip(_ length: Int) -> Bool {
        guard length >= 0, offset <= file.count - length else { return false }
        offset += length
        return true
    }
}

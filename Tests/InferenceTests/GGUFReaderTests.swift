import Foundation
import Inference
import Testing

@Suite("GGUF reader")
struct GGUFReaderTests {
    static func sample(version: UInt32 = 3) -> GGUFBuilder {
        var builder = GGUFBuilder()
        builder.version = version
        builder.metadata = [
            ("a.u8", .uint8(200)), ("a.i8", .int8(-5)), ("a.u16", .uint16(60000)), ("a.i16", .int16(-300)),
            ("a.u32", .uint32(4_000_000_000)), ("a.i32", .int32(-70000)), ("a.f32", .float32(1.5)),
            ("a.bool", .bool(true)), ("a.string", .string("héllo")), ("a.u64", .uint64(1 << 40)),
            ("a.i64", .int64(-(1 << 40))), ("a.f64", .float64(-2.25)),
            ("a.array", .array([.string("x"), .string("yz")])),
            ("a.nested", .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])])),
        ]
        builder.tensors = [
            ("w", [4, 2], 0, f32Bytes([1, 2, 3, 4, 5, 6, 7, 8])),
            ("v", [32], 8, [0x00, 0x3c] + [UInt8](repeating: 2, count: 32)),
        ]
        return builder
    }

    static func parse(_ bytes: [UInt8]) throws -> GGUFFile {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        return try GGUFFile(url: url)
    }

    /// The error message with the temporary path replaced by `FILE`.
    static func message(_ bytes: [UInt8]) -> String? {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            try Data(bytes).write(to: url)
            _ = try GGUFFile(url: url)
            return nil
        } catch {
            return "\(error)".replacingOccurrences(of: url.path, with: "FILE")
        }
    }

    @Test("every metadata type, nested arrays, the tensor table and alignment round-trip", arguments: [UInt32(2), 3])
    func roundTrip(version: UInt32) throws {
        var builder = Self.sample(version: version)
        let file = try Self.parse(builder.build())
        #expect(file.version == version)
        let expected = Self.sample().metadata
        #expect(file.entries.map(\.key) == expected.map(\.0))
        for (key, value) in expected { #expect(file.value(key) == value, "\(key)") }
        #expect(try file.string("a.string") == "héllo")
        #expect(try file.integer("a.u64") == 1 << 40)
        #expect(try file.number("a.f32") == 1.5)
        #expect(try file.strings("a.array") == ["x", "yz"])
        #expect(file.alignment == 32 && file.dataOffset % 32 == 0)
        let w = try #require(file.tensor("w"))
        #expect(w.dimensions == [4, 2] && w.type == .f32 && w.offset == file.dataOffset)
        #expect(try file.matrix("w", rows: 2, columns: 4).dequantizedRow(1) == [5, 6, 7, 8])
        #expect(try file.vector("v", count: 32) == [Float](repeating: 2, count: 32))
        #expect(file.tensor("v")?.offset == file.dataOffset + 32)
    }

    @Test("a custom alignment places tensor data on its boundary")
    func alignment() throws {
        var builder = Self.sample()
        builder.alignment = 64
        builder.metadata.append(("general.alignment", .uint32(64)))
        let file = try Self.parse(builder.build())
        #expect(file.alignment == 64 && file.dataOffset % 64 == 0)
        #expect(try file.vector("v", count: 32).first == 2)
    }

    @Test("every truncation is refused with a byte offset, never a crash")
    func everyTruncation() throws {
        var builder = Self.sample()
        let bytes = builder.build()
        for length in 0..<bytes.count {
            let text = try #require(Self.message(Array(bytes.prefix(length))), "length \(length) parsed")
            #expect(text.hasPrefix("FILE: byte "), "\(text)")
        }
        #expect(builder.boundaries.count > 20)
    }

    @Test("truncations at section boundaries say what was expected")
    func boundaryMessages() throws {
        var builder = Self.sample()
        let bytes = builder.build()
        let b = builder.boundaries
        #expect(Self.message(Array(bytes.prefix(2))) ==
                "FILE: byte 0: truncated: expected the magic number \"GGUF\" (4 bytes), but the file ends at byte 2")
        #expect(Self.message(Array(bytes.prefix(b[0]))) ==
                "FILE: byte 4: truncated: expected the format version (4 bytes), but the file ends at byte 4")
        #expect(Self.message(Array(bytes.prefix(b[1]))) ==
                "FILE: byte 8: truncated: expected the tensor count (8 bytes), but the file ends at byte 8")
        #expect(Self.message(Array(bytes.prefix(b[3]))) ==
                "FILE: byte 8: the tensor count 2 needs at least 48 more bytes, but only 8 follow (truncated or corrupt)")
        #expect(Self.message(Array(bytes.prefix(b[16] + 10))) ==
                "FILE: byte \(b[16]): truncated: a metadata key of 8 bytes, but only 2 bytes follow")
        let lastEntry = b[3 + 14]
        #expect(Self.message(Array(bytes.prefix(lastEntry))) ==
                "FILE: byte \(lastEntry): truncated: expected the length of a tensor name (8 bytes), but the file ends at byte \(lastEntry)")
        let data = b[4 + 14 + 2]
        #expect(Self.message(Array(bytes.prefix(data + 8))) ==
                "FILE: byte \(data + 8): tensor 'w' (F32, 4×2) needs bytes \(data)..<\(data + 32), but the file ends at \(data + 8)")
    }

    @Test("random corruption is refused or parsed, never a crash")
    func randomCorruption() throws {
        var builder = Self.sample()
        let bytes = builder.build()
        var random = TestRandom(state: 42)
        var refused = 0
        for _ in 0..<300 {
            var corrupt = bytes
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let index = Int(random.next() % UInt64(builder.boundaries[4 + 14 + 2]))
                corrupt[index] = UInt8(truncatingIfNeeded: random.next())
            }
            if let text = Self.message(corrupt) {
                refused += 1
                #expect(text.hasPrefix("FILE: byte ") || text.contains("cannot"), "\(text)")
            }
        }
        #expect(refused > 100)
    }

    @Test("malformed headers and values are refused with what was found")
    func malformed() throws {
        var builder = Self.sample()
        var bytes = builder.build()
        var bad = bytes
        bad[0] = UInt8(ascii: "X")
        #expect(Self.message(bad) == "FILE: byte 0: not a GGUF file: magic is 0x46554758, expected 0x46554747 (\"GGUF\")")
        bad = bytes
        bad[4] = 1
        #expect(Self.message(bad) == "FILE: byte 4: GGUF version 1 is not supported (versions 2 and 3 are)")
        bad = bytes
        bad[16] = 0xff  // metadata count low byte: 255 + entries
        bad[21] = 0x01
        #expect(Self.message(bad)?.contains("the metadata count") == true)

        builder = GGUFBuilder()
        builder.metadata = [("k", .uint8(1))]
        bytes = builder.build()
        bytes[24 + 8 + 1] = 13  // the value type
        #expect(Self.message(bytes) == "FILE: byte 33: unknown value type 13 of metadata key 'k' (known: 0–12)")

        builder = GGUFBuilder()
        builder.metadata = [("flag", .bool(true))]
        bytes = builder.build()
        bytes[bytes.count - 1 - (bytes.count - builder.boundaries[4])] = 7
        #expect(Self.message(bytes) == "FILE: byte 40: bool value of 'flag' is 7, expected 0 or 1")

        builder = GGUFBuilder()
        builder.metadata = [("general.alignment", .uint32(24))]
        #expect(Self.message(builder.build()) ==
                "FILE: byte 53: general.alignment must be a power of two uint32, found uint32 24")

        builder = GGUFBuilder()
        builder.tensors = [("t", [0], 0, [])]
        #expect(Self.message(builder.build()) == "FILE: byte 37: tensor 't' has an impossible dimension 0")

        builder = GGUFBuilder()
        builder.tensors = [("t", [1, 1, 1, 1, 1], 0, f32Bytes([1]))]
        #expect(Self.message(builder.build()) == "FILE: byte 33: tensor 't' has 5 dimensions, expected 1 to 4")

        builder = GGUFBuilder()
        builder.tensors = [("t", [3], 8, [UInt8](repeating: 0, count: 34))]
        #expect(Self.message(builder.build()) ==
                "FILE: byte 24: tensor 't' rows of 3 elements are not whole Q8_0 blocks of 32")

        builder = GGUFBuilder()
        builder.metadata = [("s", .string("abc"))]
        bytes = builder.build()
        bytes[24 + 8 + 1 + 4] = 0xff  // the string's length
        #expect(Self.message(bytes) == "FILE: byte 37: truncated: the value of 's' of 255 bytes, but only 19 bytes follow")
    }

    @Test("metadata accessors name the key and the type found")
    func accessors() throws {
        var builder = Self.sample()
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try builder.write(to: url)
        let file = try GGUFFile(url: url)
        #expect(throws: InferenceError.unsupportedModel(path: url.path, message: "missing metadata key 'nope'")) {
            try file.string("nope")
        }
        let offset = try #require(file.entries.first { $0.key == "a.bool" }?.offset)
        #expect(throws: InferenceError.malformedFile(path: url.path, offset: offset,
                                                     message: "metadata key 'a.bool' is bool, expected an integer")) {
            try file.integer("a.bool")
        }
        #expect(throws: InferenceError.unsupportedModel(path: url.path, message: "tensor 'w' has shape 4×2, expected 2×4")) {
            try file.matrix("w", rows: 4, columns: 2)
        }
        #expect(throws: InferenceError.unsupportedModel(path: url.path, message: "missing tensor 'x'")) {
            try file.vector("x", count: 1)
        }
        #expect(throws: InferenceError.fetch("cannot open model /nonexistent.gguf: No such file or directory")) {
            try GGUFFile(url: URL(fileURLWithPath: "/nonexistent.gguf"))
        }
    }
}

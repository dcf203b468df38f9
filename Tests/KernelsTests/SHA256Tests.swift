import Foundation
import Kernels
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    /// FIPS 180-4 example messages and their digests (NIST CSRC "Examples with intermediate values").
    static let vectors: [(message: String, digest: String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test("NIST example vectors", arguments: 0..<4)
    func nistVector(index: Int) {
        let (message, digest) = Self.vectors[index]
        #expect(SHA256.hexHash(message) == digest)
        #expect(SHA256.hex(SHA256.hash(Data(message.utf8))) == digest)
    }

    @Test("one million times 'a' (NIST long message)")
    func millionA() {
        var hasher = SHA256()
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(SHA256.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("feeding a message in pieces of any size gives the one-shot digest")
    func incremental() {
        var generator = SplitMix(seed: 7)
        let message = (0..<1000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let expected = SHA256.hash(Data(message))
        for trial in 0..<50 {
            var hasher = SHA256()
            var offset = 0
            while offset < message.count {
                let size = min(message.count - offset, Int(generator.next() % 150))
                hasher.update(Array(message[offset..<(offset + size)]))
                offset += size
            }
            #expect(hasher.finalize() == expected, "trial \(trial)")
        }
    }

    @Test("messages of 55, 56, 63, 64 and 65 bytes pad across the block boundary correctly")
    func paddingBoundaries() {
        // Digests computed with coreutils sha256sum.
        let expected = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            65: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
        ]
        for (length, digest) in expected {
            #expect(SHA256.hexHash(String(repeating: "a", count: length)) == digest, "length \(length)")
        }
    }

    @Test("hashing a file equals hashing its bytes")
    func file() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("abc".utf8).write(to: url)
        #expect(try SHA256.hexHash(fileAt: url) == Self.vectors[1].digest)
    }

    @Test("a missing file is an error naming the file")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/gait-sha-test")
        #expect(throws: (any Error).self) { try SHA256.hexHash(fileAt: url) }
    }
}

/// A tiny deterministic generator for test data (SplitMix64, Steele et al. 2014).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

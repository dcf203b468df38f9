import Foundation
import PackagePlugin

/// Compiles the package's data folders into the targets that need them.
///
/// Which folders go into which target is fixed here, so the layout of DESIGN.md stays the one
/// source of truth: `migrations/` for the store, `rubrics/` and `examples/` for the core,
/// `reports/` for the report writers.
@main
struct EmbedResources: BuildToolPlugin {
    static let folders: [String: [String]] = [
        "GaitStore": ["migrations"],
        "GaitCore": ["rubrics", "examples/prompts"],
        "Reports": ["reports"],
    ]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let folders = Self.folders[target.name] else { return [] }
        let root = context.package.directoryURL
        var inputs: [URL] = []
        for folder in folders {
            let directory = root.appending(path: folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                inputs.append(directory.appending(path: name))
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedResources.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) files into \(target.name)",
                executable: try context.tool(named: "embed-resources").url,
                arguments: [output.path, root.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}

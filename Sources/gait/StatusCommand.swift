import ArgumentParser
import Foundation
import GaitStore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Queue progress per stage, rubric and scope; ratings per rater; leases.",
        discussion: """
            An item is pending with no live rating or lease, in progress with some but fewer \
            ratings than its overlap, complete with as many. Gold items are counted among them and \
            in the GOLD column. Leases are live until they expire; expired ones are released by \
            the next claim.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await withErrorHandling {
            let status = try global.openWorkspace().queueStatus()
            if global.format == .json {
                try Terminal.json(status)
                return
            }
            if status.groups.isEmpty {
                Terminal.out("No items queued yet; `gait generate` queues candidates for review.")
            } else {
                Terminal.out(table(["STAGE", "RUBRIC", "SCOPE", "ITEMS", "GOLD", "PENDING", "IN PROGRESS", "COMPLETE"],
                                   status.groups.map {
                    [$0.stage.rawValue, "\($0.rubric) v\($0.version)", $0.scope ?? "-", String($0.items), String($0.gold),
                     String($0.pending), String($0.inProgress), String($0.complete)]
                }))
            }
            let active = status.raters.filter { $0.ratings + $0.discarded + $0.retracted + $0.skips + $0.leases > 0 }
            if !active.isEmpty {
                Terminal.out("")
                Terminal.out(table(["RATER", "ROLE", "RATED", "DISCARDED", "RETRACTED", "SKIPS", "LEASES"], active.map {
                    [$0.name, $0.role.rawValue, String($0.ratings), String($0.discarded), String($0.retracted),
                     String($0.skips), String($0.leases)]
                }))
            }
            Terminal.out("")
            Terminal.out("Leases: \(status.liveLeases) live, \(status.expiredLeases) expired.")
        }
    }
}

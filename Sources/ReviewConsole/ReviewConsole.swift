import Foundation
import GaitCore
import GaitStore

/// What a console session reviews and how.
public struct ConsoleOptions: Sendable, Hashable {
    public var rater: String
    public var filter: QueueFilter
    public var settings: QueueSettings
    /// Stop after this many saved items; nil runs until the queue is empty or the rater quits.
    public var limit: Int?
    /// The seed of this session's item order (recorded with the session).
    public var seed: Int64

    public init(rater: String, filter: QueueFilter = QueueFilter(), settings: QueueSettings = QueueSettings(),
                limit: Int? = nil, seed: Int64) {
        self.rater = rater
        self.filter = filter
        self.settings = settings
        self.limit = limit
        self.seed = seed
    }
}

/// The line-oriented review console: shows an item, asks each criterion, saves the rating.
///
/// Every answer is one line, so a terminal and a pipe behave the same and a session can be
/// scripted. Besides an answer any prompt takes the line commands of `help`. A rating is saved
/// in one transaction when the last question is answered; end of input or a crash loses at
/// most the item in progress (its lease expires and another rater gets it).
///
/// ```swift
/// var console = ReviewConsole(workspace: workspace, options: ConsoleOptions(rater: "ana", seed: 7),
///                             io: ConsoleIO(readLine: { Swift.readLine() }, write: { print($0, terminator: "") }))
/// let summary = try console.run()
/// ```
public struct ReviewConsole {
    public let workspace: Workspace
    public let options: ConsoleOptions
    var io: ConsoleIO

    private var session: ReviewSession?
    /// The item the last saved rating leased in its own transaction (`.some(nil)`: the queue
    /// was empty then); nil when the next item still has to be claimed.
    private var prefetched: ClaimedItem??
    private var summary: SessionSummary
    /// Ratings saved in this session and not undone, newest last, with their active seconds.
    private var saved: [(ratingID: Int64, outcome: RatingOutcome, seconds: Double)] = []
    private var claims = 0

    public init(workspace: Workspace, options: ConsoleOptions, io: ConsoleIO) {
        self.workspace = workspace
        self.options = options
        self.io = io
        self.summary = SessionSummary(rater: options.rater)
    }

    /// The line commands, as `?` lists them.
    public static let help = """
        Besides an answer, every prompt accepts:
          ?            help for this prompt
          h            the rubric's instructions
          s            skip this item (it is released for others)
          u            undo your last saved rating of this session and rate that item again
          c TEXT       attach a comment (c alone removes it)
          f NAME,...   set flags from the rubric's list (f alone clears them)
          x REASON     discard: the candidate is unusable
          q            quit, with a summary of the session
        A one-letter line is always a command: type more letters for an option that starts
        with one (for example "un" for unsure). There is no default answer.
        """

    /// Runs the session until the rater quits, the input ends, the queue is empty or the limit
    /// is reached; prints and returns the summary.
    ///
    /// - Throws: `StoreError.notFound` for an unknown rater or rubric (before anything is
    ///   shown), and database errors.
    public mutating func run() throws -> SessionSummary {
        let session = try workspace.startReviewSession(rater: options.rater, filter: options.filter,
                                                       settings: options.settings, seed: options.seed)
        self.session = session
        say("Reviewing as \(session.rater.name). Type ? at any prompt for help.", .hint)
        var reopened: ClaimedItem?
        sessionLoop: while true {
            if let limit = options.limit, saved.count >= limit {
                summary.ending = .limit
                say("Reached the limit of \(limit) item\(limit == 1 ? "" : "s").", .hint)
                break
            }
            let item: ClaimedItem
            if let next = reopened {
                item = next
                reopened = nil
            } else if let next = try nextItem() {
                item = next
            } else {
                summary.ending = .queueEmpty
                say("Nothing left to review for \(session.rater.name).", .hint)
                break
            }
            switch try review(item, session: self.session ?? session) {
            case .saved, .skipped, .lost:
                continue
            case .reopened(let item):
                reopened = item
            case .quit(let ending):
                summary.ending = ending
                break sessionLoop
            }
        }
        try workspace.endReviewSession(self.session ?? session)
        summary.rated = saved.filter { $0.outcome == .rated }.count
        summary.discarded = saved.filter { $0.outcome == .discarded }.count
        summary.medianSeconds = Self.median(saved.map(\.seconds))
        say(summary.text, .label)
        return summary
    }

    /// The next item: the one the last rating leased, or a fresh claim.
    private mutating func nextItem() throws -> ClaimedItem? {
        if let prefetched {
            self.prefetched = nil
            return prefetched
        }
        guard var current = session else { return nil }
        let next = try workspace.claimNextItem(in: &current, sequence: claims)
        session = current
        if next != nil { claims += 1 }
        return next
    }

    // MARK: - One item

    private enum ItemEnd {
        case saved, skipped, lost
        case reopened(ClaimedItem)
        case quit(SessionSummary.Ending)
    }

    private mutating func review(_ item: ClaimedItem, session: ReviewSession) throws -> ItemEnd {
        let rubric = item.rubric
        showItem(item)
        let shownAt = workspace.clock()
        var timer = ActivityTimer(shownAt: shownAt, idleSeconds: options.settings.idleSeconds)
        var lastRenewal = shownAt
        var firstAnswer: Date?
        var answers: [String: String] = [:]
        var flags: Set<String> = []
        var comment: String?
        var index = 0
        // The question is printed once; a re-ask after a message shows only the prompt.
        var askedIndex: Int?
        while index < rubric.criteria.count {
            let criterion = rubric.criteria[index]
            if askedIndex != index {
                ask(criterion, number: index + 1, of: rubric.criteria.count)
                askedIndex = index
            } else {
                io.write("\(criterion.id)> ")
            }
            guard let rawLine = io.readLine() else {
                say("")
                say("End of input: item \(item.itemID) was not saved and is released.", .hint)
                try workspace.releaseLease(itemID: item.itemID, in: session)
                return .quit(.endOfInput)
            }
            let now = workspace.clock()
            timer.record(now)
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : rawLine
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if now.timeIntervalSince(lastRenewal) >= options.settings.leaseMinutes * 20 {
                // Renew once a third of the lease has passed, so active raters never lose an item.
                do {
                    try workspace.renewLease(itemID: item.itemID, in: session)
                    lastRenewal = now
                } catch let error as QueueError {
                    return leaseLost(item, error)
                }
            }
            let (command, argument) = Self.splitCommand(trimmed)
            switch command {
            case "?":
                say("\(criterion.id): \(AnswerParser.allowed(criterion.scale))", .hint)
                say(Self.help, .hint)
                askedIndex = nil
            case "h":
                say(TextLayout.wrapped(TextLayout.reflowed(TextLayout.escaped(rubric.instructions)), width: io.width,
                                       indent: "  "))
                askedIndex = nil
            case "s":
                try workspace.skipItem(item.itemID, in: session)
                summary.skipped += 1
                say("Skipped item \(item.itemID).", .hint)
                return .skipped
            case "q":
                try workspace.releaseLease(itemID: item.itemID, in: session)
                return .quit(.quit)
            case "u":
                guard let last = saved.last else {
                    say("Nothing to undo yet in this session.", .error)
                    continue
                }
                try workspace.releaseLease(itemID: item.itemID, in: session)
                let reopened = try workspace.retractRating(last.ratingID, in: session)
                saved.removeLast()
                summary.undone += 1
                say("Undone: your rating of item \(reopened.itemID) is retracted; rate it again.", .hint)
                return .reopened(reopened)
            case "c":
                comment = argument
                say(argument == nil ? "Comment removed." : "Comment noted.", .hint)
            case "f":
                let names = (argument ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
                if let unknown = names.first(where: { !rubric.flags.contains($0) }) {
                    say("Unknown flag '\(unknown)'. This rubric's flags: \(rubric.flags.joined(separator: ", ")).", .error)
                } else {
                    flags = Set(names)
                    say(flags.isEmpty ? "Flags cleared." : "Flags: \(flags.sorted().joined(separator: ", ")).", .hint)
                }
            case "x":
                guard let reason = argument else {
                    say("Give a reason: x REASON (for example: x empty answer).", .error)
                    continue
                }
                let draft = RatingDraft(itemID: item.itemID, values: [:], flags: flags, comment: comment, discardReason: reason,
                                        shownAt: shownAt, firstAnswerAt: firstAnswer ?? now, activeSeconds: timer.activeSeconds)
                return try submit(draft, item: item, session: session, outcome: .discarded)
            case "":
                say("Please answer. Allowed: \(AnswerParser.allowed(criterion.scale))", .error)
            default:
                switch AnswerParser.parse(trimmed, scale: criterion.scale) {
                case .success(let value):
                    answers[criterion.id] = value
                    firstAnswer = firstAnswer ?? now
                    index += 1
                case .failure(let problem):
                    say(problem.description, .error)
                }
            }
        }
        let draft = RatingDraft(itemID: item.itemID, values: answers, flags: flags, comment: comment, shownAt: shownAt,
                                firstAnswerAt: firstAnswer, activeSeconds: timer.activeSeconds)
        return try submit(draft, item: item, session: session, outcome: .rated)
    }

    private mutating func submit(_ draft: RatingDraft, item: ClaimedItem, session: ReviewSession,
                                 outcome: RatingOutcome) throws -> ItemEnd {
        do {
            let rating: SubmittedRating
            // Unless this rating reaches the limit, the same transaction leases the next item.
            if options.limit.map({ saved.count + 1 < $0 }) ?? true, var current = self.session {
                let (submitted, next) = try workspace.submitRating(draft, in: &current, thenClaim: claims)
                self.session = current
                if next != nil { claims += 1 }
                prefetched = .some(next)
                rating = submitted
            } else {
                rating = try workspace.submitRating(draft, in: session)
            }
            saved.append((rating.ratingID, outcome, draft.activeSeconds))
            say(outcome == .rated ? "Saved item \(item.itemID)." : "Discarded item \(item.itemID).", .saved)
            return .saved
        } catch let error as QueueError {
            return leaseLost(item, error)
        }
    }

    private mutating func leaseLost(_ item: ClaimedItem, _ error: QueueError) -> ItemEnd {
        summary.leasesLost += 1
        switch error {
        case .leaseLost:
            say("Your lease on item \(item.itemID) expired and another rater took it; your answers were not saved. Moving on.", .error)
        default:
            say("Item \(item.itemID) was not saved: \(error.description). Moving on.", .error)
        }
        return .lost
    }

    // MARK: - Output

    private func showItem(_ item: ClaimedItem) {
        // This is the rater's (saved + 1)-th item; N adds what is still open to them.
        let left = options.limit.map { max(0, $0 - saved.count - 1) } ?? Int.max
        let total = saved.count + 1 + min(item.remaining, left)
        say("")
        say("[\(saved.count + 1)/\(total)] item \(item.itemID) · \(item.stage.rawValue) · \(item.rubric.name) v\(item.rubric.version)",
            .header)
        say("Prompt", .label)
        say(TextLayout.wrapped(TextLayout.escaped(item.prompt), width: io.width, indent: "  "))
        if let candidateB = item.candidateB {
            say("A", .label)
            say(TextLayout.wrapped(TextLayout.escaped(item.candidateA), width: io.width, indent: "  "))
            say("B", .label)
            say(TextLayout.wrapped(TextLayout.escaped(candidateB), width: io.width, indent: "  "))
        } else {
            say("Answer", .label)
            say(TextLayout.wrapped(TextLayout.escaped(item.candidateA), width: io.width, indent: "  "))
        }
    }

    private func ask(_ criterion: Criterion, number: Int, of count: Int) {
        say(TextLayout.wrapped("(\(number)/\(count)) \(criterion.question)", width: io.width), .question)
        say(TextLayout.wrapped(AnswerParser.allowed(criterion.scale), width: io.width, indent: "  "), .hint)
        io.write("\(criterion.id)> ")
    }

    private func say(_ text: String, _ style: Style? = nil) {
        let painted = style.map { style in
            text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : style.paint(String($0), colors: io.colors) }.joined(separator: "\n")
        } ?? text
        io.write(painted + "\n")
    }

    // MARK: - Helpers

    /// Splits `c some text` into (`c`, `some text`); one-letter commands only, else ("", nil)
    /// for an empty line and (line, nil) for anything else.
    static func splitCommand(_ line: String) -> (String, String?) {
        guard let first = line.first else { return ("", nil) }
        let letter = String(first)
        guard AnswerParser.commandLetters.contains(letter) else { return (line, nil) }
        let rest = line.dropFirst()
        if rest.isEmpty { return (letter, nil) }
        guard rest.first == " ", ["c", "f", "x"].contains(letter) else { return (line, nil) }
        let argument = rest.trimmingCharacters(in: .whitespaces)
        return (letter, argument.isEmpty ? nil : argument)
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

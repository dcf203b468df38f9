import Foundation

extension SessionReport {
    /// Writes the report as XML valid against `reports/session.xsd`, validating before it appears at `url`.
    ///
    /// The sessions are streamed from ``sessions``; the file is written to a temporary sibling, validated,
    /// then renamed over `url`.
    ///
    /// - Throws: ``ReportError`` when writing fails or the result does not validate (then nothing is left),
    ///   or what the session rows throw.
    public func writeXML(to url: URL) throws {
        try writeValidatedXML(.session, to: url) { xml in
            try xml.report(.session, root: "session-report") {
                try xml.header(header)
                try xml.element("summary") {
                    try xml.attribute("raters", raters.count)
                    try xml.attribute("sessions", raters.reduce(0) { $0 + $1.sessions })
                    try xml.attribute("median-seconds-per-item", medianSecondsPerItem)
                    try activity(raters.reduce(Activity(rated: 0)) { $0.adding($1.activity) }, to: xml)
                }
                try xml.histogram("time-per-item", timePerItem)
                try xml.element("raters") {
                    for rater in raters { try write(rater, to: xml) }
                }
                try xml.element("sessions") {
                    try sessions.forEach { try write($0, to: xml) }
                }
            }
        }
    }

    private func write(_ rater: Rater, to xml: XMLStreamWriter) throws {
        try xml.element("rater") {
            try xml.attribute("name", rater.name)
            try xml.attribute("role", rater.role)
            try xml.attribute("sessions", rater.sessions)
            try xml.attribute("median-seconds-per-item", rater.medianSecondsPerItem)
            try activity(rater.activity, to: xml)
            try xml.histogram("time-per-item", rater.timePerItem)
            if let agreement = rater.agreement {
                try xml.element("agreement") {
                    try xml.attribute("metric", agreement.metric)
                    try xml.attribute("shared-items", agreement.sharedItems)
                    try xml.estimate("estimate", agreement.estimate)
                }
            }
            if let gold = rater.gold {
                try xml.element("gold") {
                    try xml.attribute("items", gold.items)
                    try xml.attribute("correct", gold.correct)
                    try xml.estimate("accuracy", gold.estimate)
                }
            }
            try flags(rater.flags, to: xml)
        }
    }

    private func write(_ session: Session, to xml: XMLStreamWriter) throws {
        try xml.element("session") {
            try xml.attribute("id", session.id)
            try xml.attribute("rater", session.rater)
            try xml.attribute("started", xmlDateTime(session.started))
            try xml.attribute("ended", session.ended.map(xmlDateTime))
            try xml.attribute("median-seconds-per-item", session.medianSecondsPerItem)
            try activity(session.activity, to: xml)
            try flags(session.flags, to: xml)
        }
    }

    private func activity(_ activity: Activity, to xml: XMLStreamWriter) throws {
        try xml.attribute("rated", activity.rated)
        try xml.attribute("skipped", activity.skipped)
        try xml.attribute("discarded", activity.discarded)
        try xml.attribute("undone", activity.undone)
    }

    private func flags(_ flags: [FlagCount], to xml: XMLStreamWriter) throws {
        for flag in flags {
            try xml.element("flag") {
                try xml.attribute("name", flag.flag)
                try xml.attribute("count", flag.count)
            }
        }
    }
}

extension SessionReport.Activity {
    /// The sum of two activity counts.
    func adding(_ other: Self) -> Self {
        Self(rated: rated + other.rated, skipped: skipped + other.skipped,
             discarded: discarded + other.discarded, undone: undone + other.undone)
    }
}

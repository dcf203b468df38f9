import Foundation

extension BiasReport {
    /// Writes the report as XML valid against `reports/bias.xsd`, validating before it appears at `url`.
    ///
    /// - Throws: ``ReportError`` when writing fails or the result does not validate (then nothing is left),
    ///   or what the counterfactual rows throw.
    public func writeXML(to url: URL) throws {
        try writeValidatedXML(.bias, to: url) { xml in
            try xml.report(.bias, root: "bias-report") {
                try xml.header(header)
                try xml.element("method") {
                    try xml.attribute("confidence-level", method.confidenceLevel)
                    try xml.attribute("alpha", method.alpha)
                    try xml.attribute("minimum-slice-size", method.minimumSliceSize)
                    try xml.element("quality", method.quality)
                    try xml.element("pass", method.pass)
                    try xml.element("interval", method.interval)
                    try xml.element("test", method.test)
                    try xml.element("correction", method.correction)
                    try xml.element("text", method.plainText)
                }
                try xml.element("attributes") {
                    for attribute in attributes { try write(attribute, to: xml) }
                }
                try xml.element("counterfactual") {
                    if let summary = counterfactualSummary {
                        try xml.element("summary") {
                            try xml.attribute("pairs", summary.pairs)
                            try xml.attribute("test", summary.test)
                            try xml.attribute("p", summary.p)
                            try xml.estimate("mean-difference", summary.meanDifference)
                        }
                    }
                    try counterfactualPairs.forEach { try write($0, to: xml) }
                }
            }
        }
    }

    private func write(_ attribute: Attribute, to xml: XMLStreamWriter) throws {
        try xml.element("attribute") {
            try xml.attribute("name", attribute.name)
            try xml.attribute("reference", attribute.reference)
            try xml.attribute("verdict", attribute.verdict.rawValue)
            for slice in attribute.slices {
                try xml.element("slice") {
                    try xml.attribute("value", slice.value)
                    try xml.attribute("items", slice.items)
                    try xml.attribute("verdict", slice.verdict.rawValue)
                    try xml.attribute("four-fifths", slice.fourFifths.rawValue)
                    try xml.attribute("p", slice.p)
                    try xml.attribute("adjusted-p", slice.adjustedP)
                    try xml.estimate("quality", slice.quality)
                    try xml.estimate("pass-rate", slice.passRate)
                    try xml.estimate("disparity-ratio", slice.disparityRatio)
                    if let agreement = slice.agreement {
                        try xml.element("agreement") {
                            try xml.attribute("metric", agreement.metric)
                            try xml.estimate("estimate", agreement.estimate)
                        }
                    }
                }
            }
        }
    }

    private func write(_ pair: CounterfactualPair, to xml: XMLStreamWriter) throws {
        try xml.element("pair") {
            try xml.attribute("group", pair.group)
            try xml.attribute("attribute", pair.attribute)
            try xml.attribute("difference", pair.difference)
            for side in [pair.first, pair.second] {
                try xml.element("side") {
                    try xml.attribute("prompt-id", side.promptID)
                    try xml.attribute("value", side.attributeValue)
                    try xml.attribute("quality", side.quality)
                    try xml.element("prompt", side.prompt)
                    try xml.element("output", side.output)
                }
            }
        }
    }
}

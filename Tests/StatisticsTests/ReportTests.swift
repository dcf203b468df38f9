import Foundation
import Testing
@testable import Statistics

/// The `gait stats` computations on CSV text, including every message for bad input.
@Suite struct AgreementReportTests {
    /// Krippendorff's 2011 data as `unit,rater,value` rows (unit 12 has one rating).
    static let krippendorffCSV: String = {
        let data: [[Int?]] = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
                              [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil]]
        var lines = ["unit,rater,value"]
        for (r, row) in data.enumerated() {
            for (u, value) in row.enumerated() { if let value { lines.append("u\(u + 1),\(["A", "B", "C", "D"][r]),\(value)") } }
        }
        return lines.joined(separator: "\n")
    }()

    @Test(arguments: [(MeasurementLevel.nominal, 0.743421052631579), (.ordinal, 0.8153875037548813),
                      (.interval, 0.8491071428571428), (.ratio, 0.797402774711612)])
    func alphaFromCSV(level: MeasurementLevel, expected: Double) throws {
        let report = try agreementReport(table(Self.krippendorffCSV), AgreementRequest(metric: .alpha, level: level))
        #expect(close(report.value, expected, 1e-12))
        #expect(report.units == 12 && report.pairableUnits == 11 && report.raters == 4)
        #expect(report.level == level)
    }

    @Test func alphaDefaultsToInterval() throws {
        let report = try agreementReport(table(Self.krippendorffCSV), AgreementRequest(metric: .alpha))
        #expect(report.level == .interval)
        #expect(close(report.value, 0.8491071428571428, 1e-12))
    }

    @Test func nominalAlphaOnLabelsAndOrdinalOnDeclaredLabels() throws {
        let labels = ["1": "low", "2": "mid", "3": "high", "4": "top", "5": "max"]
        var csv = Self.krippendorffCSV
        for (digit, label) in labels { csv = csv.replacingOccurrences(of: ",\(digit)\n", with: ",\(label)\n") }
        if let last = csv.last, let label = labels[String(last)] { csv = String(csv.dropLast()) + label }
        let nominal = try agreementReport(table(csv), AgreementRequest(metric: .alpha, level: .nominal))
        #expect(close(nominal.value, 0.743421052631579, 1e-12))
        let ordinal = try agreementReport(table(csv), AgreementRequest(metric: .alpha, level: .ordinal,
                                                                       categories: ["low", "mid", "high", "top", "max"]))
        #expect(close(ordinal.value, 0.8153875037548813, 1e-12))
    }

    @Test func cohenFromCSV() throws {
        let a = [1, 2, 3, 4, 5, 3, 2, 4, 5, 1, 2, 3, 3, 4, 2], b = [1, 3, 3, 5, 5, 2, 2, 4, 4, 2, 2, 3, 4, 4, 1]
        var csv = "unit,rater,value\n"
        for (i, (x, y)) in zip(a, b).enumerated() { csv += "i\(i),ann,\(x)\ni\(i),bob,\(y)\n" }
        csv += "extra,ann,3\n"
        let linear = try agreementReport(table(csv), AgreementRequest(metric: .cohen, weights: .linear))
        #expect(close(linear.value, 0.6687697160883281, 1e-12))
        #expect(linear.units == 16 && linear.pairableUnits == 15 && linear.raters == 2)
        #expect(linear.categories == ["1", "2", "3", "4", "5"])
        let declared = try agreementReport(table(csv), AgreementRequest(metric: .cohen, weights: .quadratic,
                                                                        categories: ["1", "2", "3", "4", "5", "6", "7"]))
        #expect(close(declared.value, 0.851063829787234, 1e-12))
    }

    @Test func fleissAndAC1FromCSV() throws {
        let fleiss = try agreementReport(table(Self.fleissCSV), AgreementRequest(metric: .fleiss))
        #expect(close(fleiss.value, 0.4112149532710279, 1e-12))
        #expect(fleiss.perCategory?.count == 3)
        let ac1 = try agreementReport(table(Self.krippendorffCSV), AgreementRequest(metric: .ac1))
        #expect(close(ac1.value, 0.77544, 5e-6))
        let declared = try agreementReport(table(Self.krippendorffCSV),
                                           AgreementRequest(metric: .ac1, categories: ["1", "2", "3", "4", "5", "6"]))
        #expect(close(declared.value, 0.78553, 5e-6))
    }

    /// statsmodels' 6 × 3 table [[3,0,0],[2,1,0],[0,3,0],[1,1,1],[0,0,3],[0,2,1]] as rows.
    static let fleissCSV: String = {
        let counts = [[3, 0, 0], [2, 1, 0], [0, 3, 0], [1, 1, 1], [0, 0, 3], [0, 2, 1]]
        var lines = ["unit,rater,value"]
        for (u, row) in counts.enumerated() {
            var rater = 0
            for (category, count) in row.enumerated() {
                for _ in 0..<count {
                    lines.append("s\(u),r\(rater),\(["yes", "no", "maybe"][category])")
                    rater += 1
                }
            }
        }
        return lines.joined(separator: "\n")
    }()

    @Test func jsonShape() throws {
        let undefined = try agreementReport(table("unit,rater,value\nu1,a,3\nu2,a,4\n"), AgreementRequest(metric: .alpha))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(undefined), as: UTF8.self)
        #expect(json.contains(#""value":null"#) && json.contains(#""reason":"no unit has two or more values"#))
        #expect(json.contains(#""units":2"#) && json.contains(#""pairable_units":0"#))
    }

    @Test func levelAndWeightsAreIgnoredWhereTheyDoNotApply() throws {
        try AgreementRequest(metric: .cohen, level: .nominal).validate()
        try AgreementRequest(metric: .alpha, level: .ordinal, weights: .linear).validate()
        let report = try agreementReport(table(Self.krippendorffCSV),
                                         AgreementRequest(metric: .alpha, level: .nominal, weights: .quadratic))
        #expect(close(report.value, 0.743421052631579, 1e-12))
        #expect(report.weights == nil)
    }

    @Test func usageErrors() {
        #expect(throws: StatisticsError.invalidArgument(
            name: "--level", value: "nominal",
            expected: "no --level with --metric fleiss: it counts nominal categories (a level belongs to --metric alpha)")) {
            try AgreementRequest(metric: .fleiss, level: .nominal).validate()
        }
        #expect(throws: StatisticsError.invalidArgument(
            name: "--weights", value: "linear",
            expected: "no --weights with --metric ac1: it counts nominal categories (weights belong to --metric cohen)")) {
            try AgreementRequest(metric: .ac1, weights: .linear).validate()
        }
        #expect(throws: StatisticsError.invalidArgument(name: "--categories", value: "1,2,1",
                                                        expected: "each category once; \"1\" is repeated")) {
            try AgreementRequest(metric: .cohen, categories: ["1", "2", "1"]).validate()
        }
        #expect(throws: StatisticsError.invalidArgument(name: "--categories", value: "1,,2",
                                                        expected: "a comma-separated list of non-empty categories")) {
            try AgreementRequest(metric: .cohen, categories: ["1", "", "2"]).validate()
        }
    }

    @Test(arguments: [
        ("unit,rater,value\nu1,a,1\nu1,b,x\n", AgreementRequest(metric: .alpha, level: .interval),
         "in.csv:3: value \"x\" is not a number; the interval level needs numbers"),
        ("unit,rater,value\nu1,a,1\nu1,b,x\n", AgreementRequest(metric: .alpha, level: .ordinal),
         "in.csv:3: value \"x\" is not a number; ordinal α orders numbers; give --categories to order labels"),
        ("unit,rater,value\nu1,a,1\nu1,b,9\n", AgreementRequest(metric: .alpha, level: .ordinal, categories: ["1", "2"]),
         "in.csv:3: value \"9\" is not one of the categories 1,2"),
        ("unit,rater,value\nu1,a,1\nu1,a,2\n", AgreementRequest(metric: .alpha),
         "in.csv:3: rater \"a\" rates unit \"u1\" a second time (first on line 2)"),
        ("unit,rater,value\n,a,1\n", AgreementRequest(metric: .alpha), "in.csv:2: the unit is empty"),
        ("unit,rater,value\nu1,,1\n", AgreementRequest(metric: .alpha), "in.csv:2: the rater is empty"),
        ("unit,judge,value\nu1,a,1\n", AgreementRequest(metric: .alpha),
         "in.csv:1: missing column \"rater\"; the header is unit,judge,value"),
        ("unit,rater,value\nu1,a,1\nu1,b,2\nu1,c,2\n", AgreementRequest(metric: .cohen),
         "in.csv: Cohen's κ compares two raters, but the file has 3 (\"a\", \"b\", \"c\"); use --metric fleiss or --metric alpha for more"),
        ("unit,rater,value\nu1,a,good\nu1,b,bad\n", AgreementRequest(metric: .cohen, weights: .linear),
         "in.csv:2: value \"good\" is not a number, so weighted κ cannot order the categories; give them in order with --categories"),
        ("unit,rater,value\nu1,a,1\nu1,b,2\nu2,a,1\n", AgreementRequest(metric: .fleiss),
         "in.csv: Fleiss' κ needs the same number of ratings for every unit, but unit \"u1\" has 2 and unit \"u2\" has 1; use Krippendorff's α (--metric alpha), which allows missing ratings"),
    ])
    func dataErrors(csv: String, request: AgreementRequest, message: String) throws {
        let t = try table(csv)
        do {
            _ = try agreementReport(t, request)
            Issue.record("expected an error: \(message)")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func cohenWithoutSharedUnitsIsUndefined() throws {
        let report = try agreementReport(table("unit,rater,value\nu1,a,1\nu2,b,2\n"), AgreementRequest(metric: .cohen))
        #expect(report.value == nil && report.reason == "no unit is rated by both raters")
    }
}

@Suite struct OtherReportTests {
    @Test func bootstrapGroupsRowsByItem() throws {
        let rows = try bootstrapReport(table("item,value\na,1\na,2\nb,5\nc,3\n"), resamples: 500, seed: 2)
        #expect(rows.estimate == 2.75 && rows.items == 3 && rows.n == 4)
        let single = try bootstrapReport(table("score\n1\n2\n5\n3\n"), column: "score", resamples: 500, seed: 2)
        #expect(single.items == 4)
        #expect(single.low <= single.estimate && single.estimate <= single.high)
        #expect(throws: StatisticsError.csv(source: "in.csv", line: 3, message: "value \"n/a\" is not a number")) {
            try bootstrapReport(table("value\n1\nn/a\n"))
        }
        #expect(throws: StatisticsError.csv(source: "in.csv", line: 1, message: "the file has a header but no rows")) {
            try bootstrapReport(table("value\n"))
        }
    }

    @Test func pairedReport() throws {
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
        let y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
        let csv = "x,y\n" + zip(x, y).map { "\($0),\($1)" }.joined(separator: "\n")
        let report = try Statistics.pairedReport(table(csv))
        #expect(report.n == 9 && report.nNonZero == 9)
        #expect(report.wilcoxon.wPlus == 40 && report.wilcoxon.wMinus == 5)
        #expect(close(report.wilcoxonExactP, 0.0390625, 1e-15))
        #expect(report.signFlipP == 0.02734375 && report.signFlipExact)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(json.contains(#""wilcoxon":{"p":"#) && json.contains(#""w_minus":5"#) && json.contains(#""n_nonzero":9"#))
        #expect(throws: StatisticsError.csv(source: "in.csv", line: 2, message: "y \"-\" is not a number")) {
            try Statistics.pairedReport(table("x,y\n1,-\n"))
        }
    }

    @Test func bradleyTerryReport() throws {
        let csv = "a,b,outcome\nx,y,a\nx,y,A\ny,x,a\nx,y,tie\n"
        let report = try Statistics.bradleyTerryReport(table(csv))
        let x = try #require(report.items["x"]), y = try #require(report.items["y"])
        // x: 2.5 wins of 4; θ_x − θ_y = ln(2.5/1.5).
        #expect(close(x.theta - y.theta, log(2.5 / 1.5), 1e-12))
        #expect(x.low == nil && report.bootstrapResamples == 0)
        #expect(throws: StatisticsError.csv(source: "in.csv", line: 3, message: "outcome \"draw\" is not a, b or tie")) {
            try Statistics.bradleyTerryReport(table("a,b,outcome\nx,y,a\nx,y,draw\n"))
        }
        #expect(throws: StatisticsError.csv(source: "in.csv", line: 2, message: "item \"x\" is compared with itself")) {
            try Statistics.bradleyTerryReport(table("a,b,outcome\nx,x,a\n"))
        }
        #expect(throws: StatisticsError.csv(source: "in.csv", line: 2, message: "an item name is empty")) {
            try Statistics.bradleyTerryReport(table("a,b,outcome\n,x,a\n"))
        }
        #expect(throws: StatisticsError.invalidData(
            "in.csv: item \"x\" never loses, so its Bradley–Terry strength has no maximum-likelihood estimate (it goes to +∞); add comparisons it loses or ties, or leave it out")) {
            try Statistics.bradleyTerryReport(table("a,b,outcome\nx,y,a\n"))
        }
    }

    @Test func groupsReport() throws {
        let csv = "group,prediction,label\nA,1,1\nA,0,0\nA,1,0\nB,1,1\nB,0,0\nB,0,0\n"
        let report = try Statistics.groupsReport(table(csv), reference: "A")
        let b = try #require(report.groups["B"])
        #expect(b.counts.pp == 1 && b.counts.tn == 2)
        #expect(b.metrics["fdr"] == .some(0))
        #expect(b.disparity["fdr"] == .some(0) && b.fair["fdr"] == .some(false))
        #expect(b.disparity["ppr"] == .some(0.5))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(json.contains(#""for":"#) && json.contains(#""group_label_pos":1"#))
        #expect(throws: StatisticsError.csv(source: "in.csv", line: 2, message: "label \"yes\" is not 0 or 1")) {
            try Statistics.groupsReport(table("group,prediction,label\nA,1,yes\n"), reference: "A")
        }
    }

    @Test func slicesReport() throws {
        let csv = "slice,value\n" + SliceComparisonTests.values.flatMap { slice, values in values.map { "\(slice),\($0)" } }
            .joined(separator: "\n")
        let report = try Statistics.slicesReport(table(csv), reference: "en", scale: SliceComparisonTests.scale)
        let de = try #require(report.slices["de"]?.comparison)
        #expect(close(de.holmP, 0.07403209691387459, 1e-12))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(json.contains(#""four_fifths_flag":true"#) && json.contains(#""holm_p":null"#))
        #expect(throws: StatisticsError.csv(source: "in.csv", line: 3, message: "value 6 is outside the scale 1…5")) {
            try Statistics.slicesReport(table("slice,value\nen,5\nen,6\n"), reference: "en", scale: SliceComparisonTests.scale)
        }
    }
}

@Suite struct ReportSourceTests {
    @Test func aHeaderWithoutRowsIsRefused() {
        let message = StatisticsError.csv(source: "in.csv", line: 1, message: "the file has a header but no rows")
        #expect(throws: message) { try pairedReport(table("x,y\n")) }
        #expect(throws: message) { try bradleyTerryReport(table("a,b,outcome\n")) }
        #expect(throws: message) { try groupsReport(table("group,prediction,label\n"), reference: "A") }
        #expect(throws: message) {
            try slicesReport(table("slice,value\n"), reference: "A", scale: QualityScale(minimum: 1, maximum: 5, passThreshold: 4))
        }
    }

    @Test func resamplingOptionsAreChecked() {
        #expect(throws: StatisticsError.invalidArgument(name: "resamples", value: "-3", expected: "at least 1")) {
            try validateResamples(-3)
        }
        #expect(throws: StatisticsError.invalidArgument(name: "confidence", value: "0",
                                                        expected: "a number strictly between 0 and 1, e.g. 0.95")) {
            try validateConfidence(0)
        }
        #expect(throws: StatisticsError.invalidArgument(name: "confidence", value: "2",
                                                        expected: "a number strictly between 0 and 1, e.g. 0.95")) {
            try bradleyTerryIntervals([PairwiseComparison(a: "x", b: "y", outcome: .tie)], resamples: 10, confidence: 2)
        }
    }

    @Test func dataErrorsWithoutALineNameTheFile() {
        #expect(throws: StatisticsError.invalidData("g.csv: reference group \"Z\" has no rows; the groups are \"A\"")) {
            try groupsReport(table("group,prediction,label\nA,1,1\n", source: "g.csv"), reference: "Z")
        }
        #expect(throws: StatisticsError.invalidData("s.csv: reference slice \"Z\" has no values; the slices are \"en\"")) {
            try slicesReport(table("slice,value\nen,3\n", source: "s.csv"), reference: "Z",
                             scale: QualityScale(minimum: 1, maximum: 5, passThreshold: 4))
        }
    }
}

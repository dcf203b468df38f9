import Foundation
import Testing
@testable import Statistics

/// Every case of Fixtures/published_cases.json, to its stated tolerance.
@Suite struct PublishedCasesTests {
    @Test func krippendorff2011FourObserversAllLevels() throws {
        let item = try #require(try publishedCases()["krippendorff_2011_4observers_12units_missing"])
        let tolerance = try #require(item["tolerance"].double)
        let rows = item["input"]["reliability_data_raters_x_units"].array.map { row in row.array.map(\.double) }
        let data = try ReliabilityData(ratersByUnits: rows)
        let expected = item["expected"]
        for level in MeasurementLevel.allCases {
            let result = try krippendorffAlpha(data, level: level)
            #expect(close(result.value, try #require(expected["alpha_\(level.rawValue)"].double), tolerance))
            #expect(close(result.observedDisagreement, try #require(expected["D_o_\(level.rawValue)"].double), tolerance))
            #expect(close(result.expectedDisagreement, try #require(expected["D_e_\(level.rawValue)"].double), tolerance))
            let published = try #require(expected["published_alpha_\(level.rawValue)"].double)
            #expect(((result.value ?? 0) * 1000).rounded() / 1000 == published)
            #expect(result.pairableUnits == 11)
            #expect(result.units == 12)
            #expect(result.pairableValues == 40)
        }
        let matrix = coincidenceMatrix(data)
        #expect(matrix.values == expected["coincidence_values"].array.compactMap(\.double))
        #expect(close(matrix.total, try #require(expected["n_total_pairable"].double), tolerance))
        for (row, expectedRow) in zip(matrix.counts, expected["coincidence_matrix"].array) {
            for (value, expectedValue) in zip(row, expectedRow.array) {
                #expect(close(value, try #require(expectedValue.double), tolerance))
            }
        }
        for (value, expectedValue) in zip(matrix.marginals, expected["n_c"].array) {
            #expect(close(value, try #require(expectedValue.double), tolerance))
        }
    }

    @Test func fleissWikipedia() throws {
        let item = try #require(try publishedCases()["fleiss_kappa_wikipedia_10subjects_14raters_5categories"])
        let tolerance = try #require(item["tolerance"].double)
        let counts = item["input"]["counts_subjects_x_categories"].array.map { $0.array.map { Int($0.double ?? -1) } }
        let result = try fleissKappa(counts: counts)
        let expected = item["expected"]
        #expect(close(result.value, try #require(expected["kappa"].double), tolerance))
        #expect(close(result.meanAgreement, try #require(expected["P_bar"].double), tolerance))
        #expect(close(result.expectedAgreement, try #require(expected["P_e"].double), tolerance))
        for (share, e) in zip(result.categoryShares, expected["p_j"].array) { #expect(close(share, try #require(e.double), tolerance)) }
        for (p, e) in zip(result.unitAgreement, expected["P_i"].array) { #expect(close(p, try #require(e.double), tolerance)) }
        #expect(((result.value ?? 0) * 100).rounded() / 100 == expected["published_kappa"].double)
    }

    @Test func cohenWikipediaGrants() throws {
        let item = try #require(try publishedCases()["cohen_kappa_wikipedia_grant_50"])
        let tolerance = try #require(item["tolerance"].double)
        let expected = item["expected"]
        let table = item["input"]["table_rowsA_colsB"].array.map { $0.array.compactMap(\.double) }
        let fromTable = cohenKappa(table: table)
        #expect(close(fromTable.value, try #require(expected["kappa"].double), tolerance))
        #expect(close(fromTable.observedAgreement, try #require(expected["p_o"].double), tolerance))
        #expect(close(fromTable.expectedAgreement, try #require(expected["p_e"].double), tolerance))
        let labels = ["yes": 0, "no": 1]
        let a = item["input"]["vectors"]["rater_A"].array.compactMap { $0.string.flatMap { labels[$0] } }
        let b = item["input"]["vectors"]["rater_B"].array.compactMap { $0.string.flatMap { labels[$0] } }
        #expect(a.count == 50 && b.count == 50)
        let fromVectors = try cohenKappa(a, b, categoryCount: 2)
        #expect(close(fromVectors.value, try #require(expected["kappa"].double), tolerance))
        // AC1 from the same ratings: one unit per proposal, two ratings each.
        let counts = zip(a, b).map { pair -> [Int] in
            var row = [0, 0]
            row[pair.0] += 1
            row[pair.1] += 1
            return row
        }
        let ac1 = try gwetAC1(counts: counts)
        #expect(close(ac1.value, try #require(expected["gwet_ac1"].double), tolerance))
        #expect(close(ac1.observedAgreement, try #require(expected["gwet_ac1_pa"].double), tolerance))
        #expect(close(ac1.expectedAgreement, try #require(expected["gwet_ac1_pe"].double), tolerance))
        // Scott's π is Fleiss' κ with two raters.
        let pi = try fleissKappa(counts: counts)
        #expect(close(pi.value, try #require(expected["scott_pi"].double), tolerance))
    }

    @Test func wilsonIntervals() throws {
        let item = try #require(try publishedCases()["wilson_score_interval_95"])
        let tolerance = try #require(item["tolerance"].double)
        #expect(close(StandardNormal.quantile(0.975), try #require(item["input"]["z_exact"].double), 1e-15))
        for pair in item["input"]["cases"].array {
            let k = Int(try #require(pair[0].double)), n = Int(try #require(pair[1].double))
            let bounds = item["expected"]["\(k)/\(n)"]["z_exact"]
            let interval = try wilsonInterval(successes: k, trials: n, confidence: 0.95)
            #expect(close(interval.low, try #require(bounds[0].double), tolerance))
            #expect(close(interval.high, try #require(bounds[1].double), tolerance))
            #expect(interval.estimate == Double(k) / Double(n))
        }
    }
}

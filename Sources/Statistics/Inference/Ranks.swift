/// Ranks 1…n of `values` with ties given their average rank (midranks), and the sizes of the tie groups
/// larger than one, as SciPy's `rankdata(method="average")`.
func midranks(_ values: [Double]) -> (ranks: [Double], tieSizes: [Int]) {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var ties: [Int] = []
    var start = 0
    while start < order.count {
        var end = start + 1
        while end < order.count, values[order[end]] == values[order[start]] { end += 1 }
        let rank = Double(start + end + 1) / 2
        for position in start..<end { ranks[order[position]] = rank }
        if end - start > 1 { ties.append(end - start) }
        start = end
    }
    return (ranks, ties)
}

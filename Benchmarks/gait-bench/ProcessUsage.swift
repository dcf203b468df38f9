import Foundation

/// This process's resource use so far (`getrusage`), as the benchmarks report it.
struct ProcessUsage {
    /// User plus system CPU seconds.
    var cpuSeconds: Double
    /// Peak resident memory in bytes (Linux reports KiB).
    var peakResidentBytes: Int

    static func now() -> ProcessUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return ProcessUsage(cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                            peakResidentBytes: usage.ru_maxrss * 1024)
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress display on stderr, redrawn at most ten times a second; silent when stderr is
/// not a terminal or when the user asked for quiet.
final class ProgressLine {
    private let enabled: Bool
    private var lastDraw = 0.0
    private let start = Date()

    init(quiet: Bool) {
        enabled = !quiet && isatty(STDERR_FILENO) != 0
    }

    var elapsed: Double { Date().timeIntervalSince(start) }

    /// Redraws with `text` unless the last redraw was under 0.1 s ago (or `force`).
    func update(_ text: @autoclosure () -> String, force: Bool = false) {
        guard enabled else { return }
        let now = elapsed
        guard force || now - lastDraw >= 0.1 else { return }
        lastDraw = now
        // A progress redraw is not data: a failing terminal is reported by the summary written after it.
        try? StandardStreams.error("\r\u{1B}[2K\(text())")
    }

    func finish() {
        guard enabled else { return }
        try? StandardStreams.error("\r\u{1B}[2K")
    }

    /// `[#####.....] 52%` for a fraction in 0...1.
    static func bar(_ fraction: Double, width: Int = 24) -> String {
        let clamped = min(1, max(0, fraction))
        let filled = Int(clamped * Double(width))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            + String(format: "%3.0f%%", clamped * 100)
    }

    static func bytes(_ count: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1fs", seconds) : String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
    }
}

/// The process's peak resident memory so far.
enum PeakMemory {
    static var bytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    }
}

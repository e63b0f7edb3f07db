import Foundation
import Testing

/// Memory that grew with the input where the README promises it flat.
@Suite("Failure: memory")
struct MemoryTests {
    /// Runs `command` in the background and samples its peak resident set (VmHWM) until it exits.
    static let peakProbe = """
        peak=0
        while kill -0 $pid 2>/dev/null; do
          hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null)
          [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
          sleep 0.05
        done
        wait $pid; echo status=$?
        echo "peak_kb=$peak"
        """

    static func peakKilobytes(_ stdout: String) -> Int? {
        stdout.split(separator: "\n").first { $0.hasPrefix("peak_kb=") }.flatMap { Int($0.dropFirst(8)) }
    }

    @Test("streaming encode of 40 MB without a newline stays under 150 MB (it held the whole line)")
    func longLine() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            yes 'the quick brown fox jumps over the lazy dog' | head -c 40000000 | tr '\\n' ' ' > line.txt
            "$TOKKIT" encode line.txt --format uint32 -o ids.bin --threads 2 & pid=$!
            \(Self.peakProbe)
            """)
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        let peak = try #require(Self.peakKilobytes(outcome.stdout))
        #expect(peak > 0 && peak < 150_000, "peak \(peak) KB")
    }

    @Test("streaming encode of 42 MB of CJK without spaces or newlines, and 20 MB of digits, stays under 150 MB (it held the whole text)",
          arguments: ["的是一个中文句子，没有空格。", "31415926535897932384"])
    func textWithoutSpaces(unit: String) throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            yes '\(unit)' | head -n 1000000 | tr -d '\\n' > line.txt
            "$TOKKIT" encode line.txt --vocab cl100k_base --format uint32 -o ids.bin --threads 2 & pid=$!
            \(Self.peakProbe)
            """)
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        let peak = try #require(Self.peakKilobytes(outcome.stdout))
        #expect(peak > 0 && peak < 150_000, "peak \(peak) KB")
    }

    @Test("decode streams: 40 MB of ids decode in under 150 MB")
    func decodeStreams() throws {
        let shell = FaultShell()
        let outcome = try shell.run("""
            yes '31373 995 11 ' | head -c 40000000 > ids.txt
            "$TOKKIT" decode ids.txt -o text.txt & pid=$!
            \(Self.peakProbe)
            head -c 30 text.txt; echo
            """)
        #expect(outcome.reported == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("hello world,hello world,hello"), "\(outcome.stdout)")
        let peak = try #require(Self.peakKilobytes(outcome.stdout))
        #expect(peak > 0 && peak < 150_000, "peak \(peak) KB")
    }
}
